package forward

import (
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Padding goes out between frames, takes the next sequence numbers, and the
// media that follows continues after it without a gap.
func TestWritePaddingKeepsSequenceContinuous(t *testing.T) {
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_v", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec})
	l := attachLayer(up, vocab.QualityHigh, 1111)
	w := &fakeWriter{}
	d := bindDown(t, up, w, 5000, 0)
	clk := newClock()
	l.handle(marshal(t, 1111, 96, pktSpec{seq: 10, ts: 3000, payload: vp8Key(1), marker: true, level: -1}), clk.next(0))
	if n := d.WritePadding(3); n == 0 {
		t.Fatal("no padding written after a complete frame")
	}
	l.handle(marshal(t, 1111, 96, pktSpec{seq: 11, ts: 6000, payload: vp8Delta(2), marker: false, level: -1}), clk.next(0))
	if n := d.WritePadding(3); n != 0 {
		t.Fatal("padding written in the middle of a frame")
	}
	l.handle(marshal(t, 1111, 96, pktSpec{seq: 12, ts: 6000, payload: vp8Delta(2), marker: true, level: -1}), clk.next(0))
	pkts := w.take()
	if len(pkts) != 6 {
		t.Fatalf("%d packets written, want 6 (1 + 3 padding + 2)", len(pkts))
	}
	for i := 1; i < len(pkts); i++ {
		if pkts[i].hdr.SequenceNumber != pkts[i-1].hdr.SequenceNumber+1 {
			t.Fatalf("sequence gap at packet %d: %d after %d", i, pkts[i].hdr.SequenceNumber, pkts[i-1].hdr.SequenceNumber)
		}
	}
	for _, p := range pkts[1:4] {
		if !p.hdr.Padding || p.hdr.PaddingSize != paddingSize || len(p.payload) != 0 {
			t.Fatalf("padding packet %+v with %d payload bytes", p.hdr, len(p.payload))
		}
	}
	if st := d.Stats(); st.PaddingPackets != 3 {
		t.Errorf("padding packets %d, want 3", st.PaddingPackets)
	}
}

// A subscription paused for bandwidth in the middle of a frame still gets
// that frame's last packets, and nothing after; padding may then follow, so
// that a subscriber whose every video is paused can still be probed.
func TestBandwidthPauseFinishesTheFrameAndLetsPaddingThrough(t *testing.T) {
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_v", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec})
	l := attachLayer(up, vocab.QualityHigh, 1111)
	w := &fakeWriter{}
	d := bindDown(t, up, w, 5000, 0)
	clk := newClock()
	l.handle(marshal(t, 1111, 96, pktSpec{seq: 10, ts: 3000, payload: vp8Key(1), marker: true, level: -1}), clk.next(0))
	l.handle(marshal(t, 1111, 96, pktSpec{seq: 11, ts: 6000, payload: vp8Delta(2), marker: false, level: -1}), clk.next(0))
	d.SetBandwidthPaused(true)
	l.handle(marshal(t, 1111, 96, pktSpec{seq: 12, ts: 6000, payload: vp8Delta(2), marker: true, level: -1}), clk.next(0))
	l.handle(marshal(t, 1111, 96, pktSpec{seq: 13, ts: 9000, payload: vp8Delta(3), marker: true, level: -1}), clk.next(0))
	if n := d.WritePadding(2); n == 0 {
		t.Fatal("no padding written on a paused track after its frame ended")
	}
	pkts := w.take()
	if len(pkts) != 5 {
		t.Fatalf("%d packets written, want 5 (3 of the two frames + 2 padding)", len(pkts))
	}
	if got := pkts[2].hdr; !got.Marker || got.Timestamp != pkts[1].hdr.Timestamp {
		t.Fatalf("the frame in progress was not finished: third packet %+v", got)
	}
	for i := 1; i < len(pkts); i++ {
		if pkts[i].hdr.SequenceNumber != pkts[i-1].hdr.SequenceNumber+1 {
			t.Fatalf("sequence gap at packet %d: %d after %d", i, pkts[i].hdr.SequenceNumber, pkts[i-1].hdr.SequenceNumber)
		}
	}
	for _, p := range pkts[3:] {
		if !p.hdr.Padding || len(p.payload) != 0 {
			t.Fatalf("packet after the pause is not padding: %+v", p.hdr)
		}
	}

	d.SetPaused(true) // paused by the subscriber: no probing on it
	if n := d.WritePadding(2); n != 0 {
		t.Fatal("padding written on a track the subscriber paused")
	}
}

// A resume forgets the layer before it lets packets through: a delta frame
// forwarded as the resume begins would reach the subscriber with no sequence
// gap, after frames it never got.
func TestResumeWaitsForAKeyFrameFromItsFirstInstant(t *testing.T) {
	for _, pause := range []struct {
		name string
		set  func(*DownTrack, bool)
	}{
		{"bandwidth", (*DownTrack).SetBandwidthPaused},
		{"subscriber", (*DownTrack).SetPaused},
	} {
		t.Run(pause.name, func(t *testing.T) {
			up := NewUpTrack(UpTrackConfig{TrackSID: "TR_v", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec})
			l := attachLayer(up, vocab.QualityHigh, 1111)
			w := &fakeWriter{}
			d := bindDown(t, up, w, 5000, 0)
			clk := newClock()
			l.handle(marshal(t, 1111, 96, pktSpec{seq: 10, ts: 3000, payload: vp8Key(1), marker: true, level: -1}), clk.next(0))
			pause.set(d, true)
			l.handle(marshal(t, 1111, 96, pktSpec{seq: 11, ts: 6000, payload: vp8Delta(2), marker: true, level: -1}), clk.next(0))
			d.beforeResync = func() {
				l.handle(marshal(t, 1111, 96, pktSpec{seq: 12, ts: 9000, payload: vp8Delta(3), marker: true, level: -1}), clk.next(0))
			}
			pause.set(d, false)
			l.handle(marshal(t, 1111, 96, pktSpec{seq: 13, ts: 12000, payload: vp8Delta(4), marker: true, level: -1}), clk.next(0))
			l.handle(marshal(t, 1111, 96, pktSpec{seq: 14, ts: 15000, payload: vp8Key(5), marker: true, level: -1}), clk.next(0))
			pkts := w.take()
			if len(pkts) != 2 {
				t.Fatalf("%d packets written, want 2: the key frame before the pause and the one after", len(pkts))
			}
			if pkts[1].hdr.SequenceNumber != pkts[0].hdr.SequenceNumber+1 {
				t.Fatalf("sequence gap across the pause: %d after %d", pkts[1].hdr.SequenceNumber, pkts[0].hdr.SequenceNumber)
			}
		})
	}
}
