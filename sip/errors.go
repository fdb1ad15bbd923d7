package sip

import "errors"

// Errors of the bridge, each answered with its own SIP status (see status.go).
var (
	// ErrBadRequest: the request lacks what SIP requires of it (400 Bad Request).
	ErrBadRequest = errors.New("sip: bad request")
	// ErrBadSDP: the offer is not SDP this bridge can read (400 Bad Request).
	ErrBadSDP = errors.New("sip: malformed SDP offer")
	// ErrNoCommonCodec: the offer has no audio stream in a codec the bridge
	// speaks (488 Not Acceptable Here).
	ErrNoCommonCodec = errors.New("sip: no audio codec in common")
	// ErrUnknownMeeting: the called number is no meeting (404 Not Found).
	ErrUnknownMeeting = errors.New("sip: no meeting with this number")
	// ErrTooManyCalls: the bridge is at its call limit (503 Service Unavailable).
	ErrTooManyCalls = errors.New("sip: too many calls")
	// ErrNoRTPPort: every RTP port of the range is in use (503).
	ErrNoRTPPort = errors.New("sip: no free RTP port")
	// ErrForbidden: the caller is no trunk's: its address is on no allow-list,
	// or its credentials are wrong (403 Forbidden).
	ErrForbidden = errors.New("sip: forbidden")
	// ErrConfig: the bridge's configuration is unusable.
	ErrConfig = errors.New("sip: bad configuration")
)
