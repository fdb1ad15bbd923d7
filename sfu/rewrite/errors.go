package rewrite

import "errors"

// Errors returned by the VP8 payload descriptor parser and writer.
var (
	ErrVP8TooShort    = errors.New("rewrite: VP8 payload descriptor truncated")
	ErrBufferTooSmall = errors.New("rewrite: destination buffer too small")
)
