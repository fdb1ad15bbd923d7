package forward

import (
	"bytes"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/rewrite"
	"github.com/ensemble-sfu/ensemble/vocab"
)

var (
	vp9Codec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000},
		PayloadType:        98,
	}
	av1Codec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeAV1, ClockRate: 90000},
		PayloadType:        45,
	}
)

// Dependency descriptor extension ids of the publisher and the subscriber.
const (
	pubDDID = 12
	subDDID = 6
)

// bindDownCodec binds a DownTrack to a fake subscriber that negotiated codec
// and the dependency descriptor extension.
func bindDownCodec(t testing.TB, up *UpTrack, w *fakeWriter, codec webrtc.RTPCodecParameters) *DownTrack {
	t.Helper()
	d := NewDownTrack(up, DownTrackConfig{TrackID: "TR_x", StreamID: "PA_x"})
	codec.PayloadType = 110
	exts := append(append([]webrtc.RTPHeaderExtensionParameter{}, subExts...),
		webrtc.RTPHeaderExtensionParameter{URI: DependencyDescriptorURI, ID: subDDID})
	if _, err := d.Bind(&fakeContext{codecs: []webrtc.RTPCodecParameters{codec}, exts: exts, ssrc: 5000, writer: w}); err != nil {
		t.Fatal(err)
	}
	return d
}

// attachLayerDD is attachLayer for a publisher that negotiated the dependency
// descriptor.
func attachLayerDD(u *UpTrack, ssrc uint32) *layer {
	exts := append(append([]webrtc.RTPHeaderExtensionParameter{}, pubExts...),
		webrtc.RTPHeaderExtensionParameter{URI: DependencyDescriptorURI, ID: pubDDID})
	l := newLayer(u, nil, vocab.QualityHigh, "", ssrc, newExtIDs(exts))
	u.mu.Lock()
	u.slots[vocab.QualityHigh].Store(l)
	u.layers = append(u.layers, l)
	u.mu.Unlock()
	return l
}

// vp9Frame is a one-packet VP9 frame in non-flexible mode: 15-bit picture
// ID, layer indices and TL0PICIDX.
func vp9Frame(pic uint16, tl0, tid uint8, switchUp, key bool) []byte {
	b := byte(0xac) // I L B E
	if !key {
		b |= 0x40 // P
	}
	l := tid << 5
	if switchUp {
		l |= 0x10
	}
	return []byte{b, 0x80 | byte(pic>>8), byte(pic), l, tl0, 0xde, 0xad}
}

// vp9FlexFrame is a one-packet VP9 frame in flexible mode with a 7-bit
// picture ID and one P_DIFF (none on key frames).
func vp9FlexFrame(pic uint16, tid uint8, switchUp, key bool) []byte {
	l := tid << 5
	if switchUp {
		l |= 0x10
	}
	if key {
		return []byte{0xbc, byte(pic & 0x7f), l, 0xde}
	}
	return []byte{0xfc, byte(pic & 0x7f), l, 0x02, 0xde}
}

// checkTemporalContinuous fails unless pkts have consecutive sequence
// numbers.
func checkTemporalContinuous(t *testing.T, pkts []sentRTP) {
	t.Helper()
	for i := 1; i < len(pkts); i++ {
		if pkts[i].hdr.SequenceNumber != pkts[i-1].hdr.SequenceNumber+1 {
			t.Errorf("packet %d: sequence %d after %d", i, pkts[i].hdr.SequenceNumber, pkts[i-1].hdr.SequenceNumber)
		}
	}
}

func sameTIDs(t *testing.T, got, want []uint8) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("forwarded TIDs %v, want %v", got, want)
	}
}

// At target temporal 0 a VP9 subscriber gets only TID 0 frames, with
// continuous sequence numbers and TL0PICIDX, and picture IDs that keep the
// source's differences (VP9 references are picture ID differences); raised
// again, it gets the upper layers from the next switching-up point (U) at or
// below the layer it has.
func TestVP9TemporalLayerDrop(t *testing.T) {
	for _, mode := range []string{"non-flexible", "flexible"} {
		t.Run(mode, func(t *testing.T) {
			up := NewUpTrack(UpTrackConfig{TrackSID: "TR_v", Kind: webrtc.RTPCodecTypeVideo, Codec: vp9Codec})
			l := attachLayer(up, vocab.QualityHigh, 1111)
			w := &fakeWriter{}
			d := bindDownCodec(t, up, w, vp9Codec)
			clk := newClock()
			seq, pic, tl0 := uint16(65530), uint16(0x7ffd), uint8(254)
			send := func(tid uint8, switchUp, key bool) {
				if tid == 0 {
					tl0++
				}
				payload := vp9Frame(pic, tl0, tid, switchUp, key)
				if mode == "flexible" {
					payload = vp9FlexFrame(pic, tid, switchUp, key)
				}
				l.handle(marshal(t, 1111, 98, pktSpec{seq: seq, ts: uint32(seq) * 3000, payload: payload,
					marker: true, level: -1}), clk.next(0))
				seq++
				pic++
			}
			send(0, true, true) // key frame
			send(1, true, false)
			if !up.HasTemporalLayers() {
				t.Fatal("temporal layers not detected")
			}
			d.SetTargetTemporal(0)
			for i := range 6 {
				send(uint8(i%2), false, false)
			}
			d.SetTargetTemporal(2)
			send(1, true, false)  // above the forwarded layer: dropped
			send(0, false, false) // no switching-up point: stays at 0
			send(1, false, false)
			send(0, true, false) // switching-up point in the base layer
			send(1, false, false)
			send(2, false, false)

			pkts := w.take()
			var tids []uint8
			var lastTL0 uint8
			for i, p := range pkts {
				desc, err := rewrite.ParseVP9(p.payload)
				if err != nil {
					t.Fatal(err)
				}
				tids = append(tids, desc.TID)
				if !desc.WidePictureID {
					t.Errorf("packet %d: picture ID not widened to 15 bits", i)
				}
				if desc.HasTL0PICIDX {
					if desc.TID == 0 && i > 0 && desc.TL0PICIDX != lastTL0+1 {
						t.Errorf("packet %d: TL0PICIDX %d after %d", i, desc.TL0PICIDX, lastTL0)
					}
					lastTL0 = desc.TL0PICIDX
				}
			}
			sameTIDs(t, tids, []uint8{0, 1, 0, 0, 0, 0, 0, 1, 2})
			checkTemporalContinuous(t, pkts)
			// Frames sent, numbered from the key frame, that were forwarded.
			sentIndex := []uint16{0, 1, 2, 4, 6, 9, 11, 12, 13}
			first, _ := rewrite.ParseVP9(pkts[0].payload)
			for i, p := range pkts {
				desc, _ := rewrite.ParseVP9(p.payload)
				if got := (desc.PictureID - first.PictureID) & 0x7fff; got != sentIndex[i] {
					t.Errorf("packet %d: picture ID %d is %d after the first, want %d", i, desc.PictureID, got, sentIndex[i])
				}
			}
		})
	}
}

// av1Packet is a one-packet AV1 frame with dependency descriptor dd.
func av1Packet(t testing.TB, seq uint16, key bool, dd []byte) []byte {
	t.Helper()
	payload := []byte{0x10, 0x32, 0x00, 0xaa}
	if key {
		payload = []byte{0x18, 0x0a, 0x0b, 0xaa}
	}
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 45, SequenceNumber: seq, Timestamp: uint32(seq) * 3000,
		SSRC: 2222, Marker: true}, Payload: payload}
	if dd != nil {
		if err := p.SetExtension(pubDDID, dd); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// At target temporal 0 an AV1 (L1T3) subscriber gets only the frames whose
// dependency descriptor template is in temporal layer 0, with continuous
// sequence numbers and the descriptor forwarded under its own extension id;
// raised again, it gets every layer from the next base-layer frame.
func TestAV1TemporalLayerDrop(t *testing.T) {
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_a", Kind: webrtc.RTPCodecTypeVideo, Codec: av1Codec})
	l := attachLayerDD(up, 2222)
	w := &fakeWriter{}
	d := bindDownCodec(t, up, w, av1Codec)
	clk := newClock()
	const offset = 20 // templates 20 (key, T0), 21 (T0), 22 (T1), 23 (T2)
	template := [3]uint8{21, 22, 23}
	seq, frame := uint16(400), uint16(9)
	send := func(tid uint8) {
		l.handle(av1Packet(t, seq, false, ddMandatory(true, true, template[tid], frame)), clk.next(0))
		seq++
		frame++
	}
	l.handle(av1Packet(t, seq, true, ddL1T3(offset, frame)), clk.next(0))
	seq++
	frame++
	pattern := []uint8{2, 1, 2, 0} // L1T3 after a key frame
	for _, tid := range pattern {
		send(tid)
	}
	if !up.HasTemporalLayers() {
		t.Fatal("temporal layers not detected")
	}
	d.SetTargetTemporal(0)
	for range 2 {
		for _, tid := range pattern {
			send(tid)
		}
	}
	d.SetTargetTemporal(2)
	send(2) // dropped: waits for a base-layer frame
	send(1)
	send(0)
	send(2)
	send(1)

	pkts := w.take()
	var tids []uint8
	var s ddStructure
	for i, p := range pkts {
		var h rtp.Header
		h.Extension, h.ExtensionProfile, h.Extensions = p.hdr.Extension, p.hdr.ExtensionProfile, p.hdr.Extensions
		ext := h.GetExtension(subDDID)
		if ext == nil {
			t.Fatalf("packet %d: no dependency descriptor under the subscriber's id", i)
		}
		desc, err := parseDependencyDescriptor(ext, &s)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		_, tid, ok := s.layerOf(desc.TemplateID)
		if !ok {
			t.Fatalf("packet %d: unknown template %d", i, desc.TemplateID)
		}
		tids = append(tids, tid)
	}
	sameTIDs(t, tids, []uint8{0, 2, 1, 2, 0, 0, 0, 0, 2, 1})
	checkTemporalContinuous(t, pkts)
}

// Packets without a dependency descriptor, or naming a template before any
// structure arrived, carry no known layer: they are forwarded whatever the
// target.
func TestAV1WithoutStructureIsForwarded(t *testing.T) {
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_a", Kind: webrtc.RTPCodecTypeVideo, Codec: av1Codec})
	l := attachLayerDD(up, 2222)
	w := &fakeWriter{}
	d := bindDownCodec(t, up, w, av1Codec)
	d.SetTargetTemporal(0)
	clk := newClock()
	l.handle(av1Packet(t, 1, true, nil), clk.next(0))
	l.handle(av1Packet(t, 2, false, ddMandatory(true, true, 5, 2)), clk.next(0))
	l.handle(av1Packet(t, 3, false, []byte{0x80}), clk.next(0)) // malformed descriptor
	if n := len(w.take()); n != 3 {
		t.Fatalf("forwarded %d packets, want 3", n)
	}
	if up.HasTemporalLayers() {
		t.Fatal("temporal layers reported without a structure")
	}
}

// BenchmarkForwardTemporal measures the hot path with temporal layer
// selection: 10 subscribers at target temporal 0 of a stream alternating TID
// 0 and 1, so every other frame is dropped (picture IDs closed up for VP9,
// dependency descriptor parsed for AV1). It must allocate nothing.
func BenchmarkForwardTemporal(b *testing.B) {
	for _, codec := range []string{"vp9", "av1"} {
		b.Run(codec, func(b *testing.B) {
			var up *UpTrack
			var l *layer
			var raw []byte
			var payloadAt int
			if codec == "vp9" {
				up = NewUpTrack(UpTrackConfig{TrackSID: "TR_v", Kind: webrtc.RTPCodecTypeVideo, Codec: vp9Codec})
				l = attachLayer(up, vocab.QualityHigh, 1)
				payload := append(vp9Frame(1, 1, 0, true, true), make([]byte, 1180)...)
				raw = marshal(b, 1, 98, pktSpec{seq: 0, payload: payload, level: -1})
				payloadAt = len(raw) - len(payload)
			} else {
				up = NewUpTrack(UpTrackConfig{TrackSID: "TR_a", Kind: webrtc.RTPCodecTypeVideo, Codec: av1Codec})
				l = attachLayerDD(up, 2222)
				raw = av1Packet(b, 1, false, ddMandatory(true, true, 1, 1))
			}
			writers := make([]*fakeWriter, 10)
			for i := range writers {
				writers[i] = &fakeWriter{discard: true}
				bindDownCodec(b, up, writers[i], map[string]webrtc.RTPCodecParameters{
					"vp9": vp9Codec, "av1": av1Codec}[codec]).SetTargetTemporal(0)
			}
			now := time.Now()
			if codec == "vp9" {
				l.handle(raw, now)
			} else {
				l.handle(av1Packet(b, 0, true, ddL1T3(0, 0)), now)
			}
			// The DD value's first byte (template id) sits right after the
			// one-byte extension header of the last extension written.
			ddAt := bytes.Index(raw, ddMandatory(true, true, 1, 1))
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			seq := raw2seq(raw)
			for i := 0; b.Loop(); i++ {
				seq++
				raw[2], raw[3] = byte(seq>>8), byte(seq)
				tid := byte(i & 1)
				if codec == "vp9" {
					pic := uint16(i+2) & 0x7fff
					raw[payloadAt] = 0xec
					raw[payloadAt+1], raw[payloadAt+2] = 0x80|byte(pic>>8), byte(pic)
					raw[payloadAt+3] = tid << 5
				} else if ddAt > 0 {
					raw[ddAt] = 0xc0 | (1 + tid) // template 1 (T0) or 2 (T1)
				}
				now = now.Add(time.Millisecond)
				l.handle(raw, now)
			}
			b.StopTimer()
			if n := writers[0].n; n < b.N/2 || n > b.N/2+2 {
				b.Fatalf("%d packets forwarded for %d received, want half", n, b.N)
			}
		})
	}
}

// A key frame's dependency descriptor with its full structure is often longer
// than the 16 bytes of the one-byte header form: it is still forwarded whole,
// in the two-byte form.
func TestLongDependencyDescriptorForwardedInTwoByteForm(t *testing.T) {
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_a", Kind: webrtc.RTPCodecTypeVideo, Codec: av1Codec})
	l := attachLayerDD(up, 2222)
	w := &fakeWriter{}
	bindDownCodec(t, up, w, av1Codec)
	dd := append(ddL1T3(0, 1), make([]byte, 14)...) // 22 bytes
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 45, SequenceNumber: 1, SSRC: 2222, Marker: true},
		Payload: []byte{0x18, 0x0a, 0x0b}}
	p.Header.ExtensionProfile = rtp.ExtensionProfileTwoByte
	if err := p.SetExtension(pubDDID, dd); err != nil {
		t.Fatal(err)
	}
	raw, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	l.handle(raw, time.Now())
	pkts := w.take()
	if len(pkts) != 1 {
		t.Fatalf("%d packets forwarded", len(pkts))
	}
	h := pkts[0].hdr
	if h.ExtensionProfile != rtp.ExtensionProfileTwoByte || !bytes.Equal(h.GetExtension(subDDID), dd) {
		t.Fatalf("profile %#x, descriptor % x", h.ExtensionProfile, h.GetExtension(subDDID))
	}
}
