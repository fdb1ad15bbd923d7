package whip

import "errors"

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrBadFragment refuses a PATCH body that is not a trickle-ICE SDP fragment.
	ErrBadFragment = errors.New("whip: bad SDP fragment")
	// ErrBadOffer refuses an offer the ingest or the player cannot use.
	ErrBadOffer = errors.New("whip: unusable offer")
	// ErrNoServer and ErrNoVerifier refuse a Config without them.
	ErrNoServer   = errors.New("whip: no signalling server in config")
	ErrNoVerifier = errors.New("whip: no token verifier in config")

	errNoICE = errors.New("the answer has no ICE credentials")
)
