package forward

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// A pinned DownTrack (a relay's stream of one layer) forwards its layer and
// no other (not the top one while its own has not started);
// SetTargetQuality leaves it where it is; and its layer counts as needed for
// dynacast.
func TestPinnedDownTrackForwardsItsLayerOnly(t *testing.T) {
	up := newVideoUp(nil, nil)
	low := attachLayer(up, vocab.QualityLow, 100)
	high := attachLayer(up, vocab.QualityHigh, 300)
	w := &fakeWriter{}
	d := NewDownTrack(up, DownTrackConfig{TrackID: "TR_x~low", StreamID: "PA_x", Pinned: true, Layer: vocab.QualityLow})
	if _, err := d.Bind(&fakeContext{codecs: subscriberCodecs(), exts: subExts, ssrc: webrtc.SSRC(5000), writer: w}); err != nil {
		t.Fatal(err)
	}
	c := newClock()
	seqL, seqH := uint16(1000), uint16(50000)
	send := func(l *layer, ssrc uint32, seq *uint16, payload []byte) {
		t.Helper()
		l.handle(marshal(t, ssrc, 96, pktSpec{seq: *seq, ts: uint32(*seq) * 3000, payload: payload, level: -1}), c.next(10*time.Millisecond))
		*seq++
	}
	// Only the top layer flows: nothing is forwarded.
	for i := range 3 {
		send(high, 300, &seqH, vp8Key(uint16(i)))
	}
	if n := len(w.take()); n != 0 {
		t.Fatalf("a DownTrack pinned to low forwarded %d packets of high", n)
	}
	d.SetTargetQuality(vocab.QualityHigh)
	if q := d.TargetQuality(); q != vocab.QualityLow {
		t.Fatalf("target %v after SetTargetQuality(high), want low (pinned)", q)
	}
	send(low, 100, &seqL, vp8Key(1))
	for i := range 4 {
		send(low, 100, &seqL, vp8Delta(2+uint16(i)))
		send(high, 300, &seqH, vp8Key(10+uint16(i)))
	}
	got := w.take()
	if len(got) != 5 {
		t.Fatalf("forwarded %d packets, want the 5 of low", len(got))
	}
	checkContinuous(t, got)
	if need := up.NeededQualities(); !need[vocab.QualityLow] || need[vocab.QualityHigh] {
		t.Errorf("needed qualities %v, want low only", need)
	}
}
