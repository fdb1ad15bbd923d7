package forward

import (
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Telephone events travel beside the audio under each side's own payload type,
// numbered with the audio; a subscriber that did not negotiate them gets the
// audio alone, without a gap in sequence numbers.
func TestTelephoneEventsKeepTheirPayloadTypeOrAreDropped(t *testing.T) {
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_a", Kind: webrtc.RTPCodecTypeAudio, Codec: opusCodec})
	up.eventPT.Store(101) // the publisher's telephone-event/48000
	l := attachLayer(up, vocab.QualityHigh, 1111)
	bind := func(codecs []webrtc.RTPCodecParameters) *fakeWriter {
		w := &fakeWriter{}
		d := NewDownTrack(up, DownTrackConfig{TrackID: "TR_x", StreamID: "PA_x"})
		if _, err := d.Bind(&fakeContext{codecs: codecs, exts: subExts, ssrc: 2222, writer: w}); err != nil {
			t.Fatal(err)
		}
		return w
	}
	withEvents := bind(append(subscriberCodecs(), webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mimeTelephoneEvent, ClockRate: 48000}, PayloadType: 126}))
	without := bind(subscriberCodecs())

	c := newClock()
	for i, pt := range []uint8{111, 101, 111} {
		l.handle(marshal(t, 1111, pt, pktSpec{seq: uint16(10 + i), ts: 960, payload: []byte{5, 0x8a, 0, 160}, level: -1}), c.next(20e6))
	}
	got := withEvents.take()
	if len(got) != 3 || got[0].hdr.PayloadType != 109 || got[1].hdr.PayloadType != 126 || got[2].hdr.PayloadType != 109 {
		t.Fatalf("with telephone-event: %d packets, payload types %v", len(got), payloadTypes(got))
	}
	got = without.take()
	if len(got) != 2 || got[0].hdr.PayloadType != 109 || got[1].hdr.PayloadType != 109 {
		t.Fatalf("without telephone-event: %d packets, payload types %v", len(got), payloadTypes(got))
	}
	if got[1].hdr.SequenceNumber != got[0].hdr.SequenceNumber+1 {
		t.Errorf("sequence %d then %d: a gap where the event was dropped", got[0].hdr.SequenceNumber, got[1].hdr.SequenceNumber)
	}
}

func payloadTypes(pkts []sentRTP) []uint8 {
	var out []uint8
	for _, p := range pkts {
		out = append(out, p.hdr.PayloadType)
	}
	return out
}
