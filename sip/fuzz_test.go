package sip

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emiago/sipgo/sip"
)

// FuzzParseOffer feeds SDP offers: each is refused with one of the offer
// errors (refusedOffer), or accepted with a codec the bridge speaks, and then
// its answer (with a key of ours when the offer is SDES) is SDP that parses
// again with the same codec, protection and one m= line per offered one.
func FuzzParseOffer(f *testing.F) {
	f.Add([]byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := parseOffer(body)
		if err != nil {
			if !refusedOffer(err) {
				t.Fatalf("untyped refusal: %v", err)
			}
			return
		}
		if o.crypto != nil {
			leg, err := newSRTPLeg(o.crypto)
			if err != nil {
				t.Fatalf("SRTP of an accepted line %+v: %v", o.crypto, err)
			}
			o.answerCrypto = &leg.local
		}
		if o.audioIndex < 0 || o.audioIndex >= len(o.media) || o.codec.Name == "" || !o.remote.IsValid() {
			t.Fatalf("accepted offer without a usable stream: %+v", o)
		}
		ans, err := o.answer(netip.MustParseAddrPort("127.0.0.1:20000"), 1, 1)
		if err != nil {
			t.Fatalf("answer: %v", err)
		}
		back, err := parseOffer(ans)
		if err != nil {
			t.Fatalf("our answer does not parse: %v\n%s", err, ans)
		}
		if back.codec != o.codec || len(back.media) != len(o.media) || back.payloadType != o.payloadType || (back.crypto == nil) != (o.crypto == nil) {
			t.Fatalf("answer says %s/%d in %d sections, offer %s/%d in %d", back.codec.Name, back.payloadType, len(back.media),
				o.codec.Name, o.payloadType, len(o.media))
		}
	})
}

// FuzzSIPRequest feeds whole SIP messages through sipgo's parser and what the
// bridge reads of a request: the caller's name (always valid UTF-8, without
// control characters, at most 64 runes, never empty) and the offer.
func FuzzSIPRequest(f *testing.F) {
	f.Add([]byte("INVITE sip:1234567890@sip.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: \"Salle\" <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:1234567890@sip.test>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContact: <sip:a@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := sip.ParseMessage(data)
		if err != nil {
			return
		}
		req, ok := msg.(*sip.Request)
		if !ok {
			return
		}
		name := callerName(req)
		if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxNameRunes ||
			strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("caller name %q", name)
		}
		_ = callID(req)
		if _, err := parseOffer(req.Body()); err != nil && !refusedOffer(err) {
			t.Fatalf("untyped refusal: %v", err)
		}
	})
}

// refusedOffer reports whether err is one of parseOffer's own refusals.
func refusedOffer(err error) bool {
	for _, want := range []error{ErrBadSDP, ErrNoCommonCodec, ErrBadCrypto, ErrNoCommonCrypto} {
		if errors.Is(err, want) {
			return true
		}
	}
	return false
}
