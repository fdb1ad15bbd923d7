package forward

import "errors"

// Errors returned by the forwarding path.
var (
	// ErrCodecNotSupported is returned by DownTrack.Bind when the subscriber did
	// not negotiate the publisher's codec (the SFU does not transcode).
	ErrCodecNotSupported = errors.New("forward: subscriber does not support the track's codec")
	// ErrClosed is returned when binding a closed DownTrack.
	ErrClosed = errors.New("forward: track closed")
	// ErrBadRTCP is returned for a compound RTCP packet that cannot be parsed.
	ErrBadRTCP = errors.New("forward: malformed RTCP")
)
