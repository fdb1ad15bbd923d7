package forward

import (
	"strings"

	"github.com/pion/webrtc/v4"
)

// mimeTelephoneEvent is RFC 4733's named telephone events (DTMF). A publisher
// sends them on the SSRC of its audio track under their own payload type; they
// are forwarded under the subscriber's payload type for telephone-event at the
// same clock rate, or dropped when the subscriber did not negotiate one.
const mimeTelephoneEvent = "audio/telephone-event"

// noEventPT marks a negotiation without telephone-event.
const noEventPT = -1

// eventPayloadType finds the telephone-event payload type at clockRate among
// negotiated codecs, or noEventPT.
func eventPayloadType(codecs []webrtc.RTPCodecParameters, clockRate uint32) int32 {
	for _, c := range codecs {
		if strings.EqualFold(c.MimeType, mimeTelephoneEvent) && c.ClockRate == clockRate {
			return int32(c.PayloadType)
		}
	}
	return noEventPT
}
