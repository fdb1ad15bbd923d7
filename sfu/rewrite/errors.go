package rewrite

import "errors"

// Errors returned by the VP8 payload descriptor parser and writer.
var (
	ErrVP8TooShort    = errors.New("rewrite: VP8 payload descriptor truncated")
	ErrBufferTooSmall = errors.New("rewrite: destination buffer too small")
)

// Errors returned by the VP9 payload descriptor parser and writer.
var (
	ErrVP9TooShort  = errors.New("rewrite: VP9 payload descriptor truncated")
	ErrVP9Malformed = errors.New("rewrite: VP9 payload descriptor has more than three reference indices")
)
