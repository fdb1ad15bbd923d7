package sip

import (
	"errors"

	"github.com/emiago/sipgo/sip"
)

// statusOf maps an error of the call set-up to the SIP response that tells the
// caller why: the right status, never a generic 500 for the caller's own mistakes.
func statusOf(err error) (int, string) {
	switch {
	case errors.Is(err, ErrBadRequest):
		return sip.StatusBadRequest, "Bad Request"
	case errors.Is(err, ErrBadSDP):
		return sip.StatusBadRequest, "Bad Request (malformed SDP)"
	case errors.Is(err, ErrNoCommonCodec), errors.Is(err, ErrBadCrypto), errors.Is(err, ErrNoCommonCrypto), errors.Is(err, ErrSRTPRequired):
		return 488, "Not Acceptable Here"
	case errors.Is(err, ErrForbidden):
		return sip.StatusForbidden, "Forbidden"
	case errors.Is(err, ErrUnknownMeeting):
		return sip.StatusNotFound, "Not Found"
	case errors.Is(err, ErrTooManyCalls), errors.Is(err, ErrNoRTPPort):
		return sip.StatusServiceUnavailable, "Service Unavailable"
	}
	return sip.StatusInternalServerError, "Server Internal Error"
}
