package forward

import (
	"bytes"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestRedPrimary(t *testing.T) {
	cases := []struct {
		name    string
		payload []byte
		want    []byte
		ok      bool
	}{
		{"primary only", []byte{111, 0xaa, 0xbb}, []byte{0xaa, 0xbb}, true},
		{"one redundant block of 2 bytes", []byte{0x80 | 111, 0x03, 0xc0, 0x02, 111, 0x11, 0x22, 0xaa, 0xbb}, []byte{0xaa, 0xbb}, true},
		{"two redundant blocks", []byte{0x80 | 111, 0, 0, 1, 0x80 | 111, 0, 0, 1, 111, 0x11, 0x22, 0xaa}, []byte{0xaa}, true},
		{"truncated header", []byte{0x80 | 111, 0x03}, nil, false},
		{"block longer than packet", []byte{0x80 | 111, 0, 0, 9, 111, 0x11}, nil, false},
		{"empty", nil, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := redPrimary(tc.payload)
			if ok != tc.ok || !bytes.Equal(got, tc.want) {
				t.Fatalf("redPrimary = %v %v, want %v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestREDIsUnwrappedForSubscriberWithoutRED(t *testing.T) {
	red := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/red",
		ClockRate: 48000, Channels: 2, SDPFmtpLine: "111/111"}, PayloadType: 63}
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_r", Kind: webrtc.RTPCodecTypeAudio, Codec: red})
	l := attachLayer(up, vocab.QualityHigh, 1)
	w := &fakeWriter{}
	d := bindDown(t, up, w, 2, 0) // subscriberCodecs has Opus (109) and no RED
	if got := d.bind.Load().codec.MimeType; got != webrtc.MimeTypeOpus {
		t.Fatalf("bound codec %s, want Opus", got)
	}
	c := newClock()
	l.handle(marshal(t, 1, 63, pktSpec{seq: 1, payload: []byte{0x80 | 111, 0, 0, 1, 111, 0x11, 0xaa}, level: -1}), c.next(0))
	l.handle(marshal(t, 1, 63, pktSpec{seq: 2, payload: []byte{0x80 | 111}, level: -1}), c.next(0)) // malformed: skipped
	l.handle(marshal(t, 1, 63, pktSpec{seq: 3, payload: []byte{111, 0xbb}, level: -1}), c.next(0))
	pkts := w.take()
	if len(pkts) != 2 || !bytes.Equal(pkts[0].payload, []byte{0xaa}) || !bytes.Equal(pkts[1].payload, []byte{0xbb}) {
		t.Fatalf("payloads %v", pkts)
	}
	checkContinuous(t, pkts)
	if pkts[0].hdr.PayloadType != 109 {
		t.Fatalf("payload type %d, want Opus 109", pkts[0].hdr.PayloadType)
	}
}
