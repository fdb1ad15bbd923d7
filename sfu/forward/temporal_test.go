package forward

import (
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/rewrite"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// vp8Temporal is a one-packet VP8 frame with picture ID, TL0PICIDX and TID.
func vp8Temporal(pic uint16, tl0 uint8, tid uint8, sync, key bool) []byte {
	t := tid << 6
	if sync {
		t |= 0x20
	}
	hdr := byte(0x01)
	if key {
		hdr = 0x00
	}
	return []byte{0x90, 0xe0, 0x80 | byte(pic>>8), byte(pic), tl0, t, hdr, 1, 2, 3}
}

// A subscriber limited to the base temporal layer gets every other frame,
// with continuous sequence numbers and picture IDs; raised again, it gets the
// upper layer from the next layer-sync frame.
func TestTemporalLayerDropKeepsStreamContinuous(t *testing.T) {
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_v", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec})
	l := attachLayer(up, vocab.QualityHigh, 1111)
	w := &fakeWriter{}
	d := bindDown(t, up, w, 5000, 0)
	clk := newClock()
	seq, pic, tl0 := uint16(100), uint16(500), uint8(7)
	send := func(tid uint8, sync, key bool) {
		if tid == 0 {
			tl0++
		}
		l.handle(marshal(t, 1111, 96, pktSpec{seq: seq, ts: uint32(seq) * 3000, payload: vp8Temporal(pic, tl0, tid, sync, key),
			marker: true, level: -1}), clk.next(0))
		seq++
		pic++
	}
	send(0, false, true) // key frame
	if !up.HasTemporalLayers() {
		send(1, true, false)
	}
	if !up.HasTemporalLayers() {
		t.Fatal("temporal layers not detected")
	}
	d.SetTargetTemporal(0)
	for i := range 6 {
		send(uint8(i%2), false, false)
	}
	d.SetTargetTemporal(3)
	send(1, false, false) // not a sync frame: still dropped
	send(0, false, false)
	send(1, true, false) // sync: forwarded from here
	send(0, false, false)

	pkts := w.take()
	var tids []uint8
	for i, p := range pkts {
		desc, err := rewrite.ParseVP8(p.payload)
		if err != nil {
			t.Fatal(err)
		}
		tids = append(tids, desc.TID)
		if i == 0 {
			continue
		}
		prev, _ := rewrite.ParseVP8(pkts[i-1].payload)
		if p.hdr.SequenceNumber != pkts[i-1].hdr.SequenceNumber+1 {
			t.Errorf("packet %d: sequence %d after %d", i, p.hdr.SequenceNumber, pkts[i-1].hdr.SequenceNumber)
		}
		if desc.PictureID != prev.PictureID+1 {
			t.Errorf("packet %d: picture ID %d after %d", i, desc.PictureID, prev.PictureID)
		}
	}
	want := []uint8{0, 1, 0, 0, 0, 0, 1, 0}
	if len(tids) != len(want) {
		t.Fatalf("forwarded TIDs %v, want %v", tids, want)
	}
	for i := range want {
		if tids[i] != want[i] {
			t.Fatalf("forwarded TIDs %v, want %v", tids, want)
		}
	}
}
