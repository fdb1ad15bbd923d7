package forward

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// H.264 payloads: a key frame starts with SPS+PPS+IDR in a STAP-A; a delta
// frame is one non-IDR slice. The last byte tags the layer.
func h264Key(layer byte) []byte {
	return []byte{0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce, 0x00, 0x02, 0x65, layer}
}
func h264Delta(layer byte) []byte { return []byte{0x41, 0x9a, layer} }

// H.264 simulcast switches at the target layer's IDR, asking for it, with
// continuous sequence numbers.
func TestH264SimulcastSwitchesAtIDR(t *testing.T) {
	var plis []uint32
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_h", Kind: webrtc.RTPCodecTypeVideo, Codec: webrtc264(),
		SendPLI: func(ssrc uint32) { plis = append(plis, ssrc) }})
	low := attachLayer(up, vocab.QualityLow, 100)
	high := attachLayer(up, vocab.QualityHigh, 300)
	w := &fakeWriter{}
	d := NewDownTrack(up, DownTrackConfig{TrackID: "TR_h", StreamID: "PA_x"})
	if _, err := d.Bind(&fakeContext{codecs: []webrtc.RTPCodecParameters{webrtc264()}, exts: subExts, ssrc: 5000, writer: w}); err != nil {
		t.Fatal(err)
	}
	c := newClock()
	seq := map[*layer]uint16{low: 10, high: 20000}
	ssrc := map[*layer]uint32{low: 100, high: 300}
	send := func(l *layer, payload []byte) {
		t.Helper()
		l.handle(marshal(t, ssrc[l], 102, pktSpec{seq: seq[l], ts: uint32(seq[l]) * 3000, payload: payload, marker: true, level: -1}),
			c.next(10*time.Millisecond))
		seq[l]++
	}
	send(high, h264Key(2))
	send(low, h264Key(0))
	send(high, h264Delta(2))
	d.SetTargetQuality(vocab.QualityLow)
	if len(plis) == 0 || plis[len(plis)-1] != 100 {
		t.Fatalf("keyframe requests %v, want the low layer's SSRC last", plis)
	}
	send(low, h264Delta(0)) // not decodable alone: not forwarded
	send(high, h264Delta(2))
	send(low, h264Key(0))
	send(low, h264Delta(0))
	send(high, h264Delta(2))

	pkts := w.take()
	var layers []byte
	for _, p := range pkts {
		layers = append(layers, p.payload[len(p.payload)-1])
	}
	want := []byte{2, 2, 2, 0, 0}
	if string(layers) != string(want) {
		t.Fatalf("forwarded layers %v, want %v", layers, want)
	}
	if !IsKeyframe(webrtc.MimeTypeH264, pkts[3].payload) {
		t.Fatal("the first low-layer packet is not its IDR")
	}
	checkContinuous(t, pkts)
}
