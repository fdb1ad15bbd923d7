package forward

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/rewrite"
)

// FuzzVP9Descriptor parses arbitrary VP9 payloads: nothing may panic, the
// descriptor never claims more bytes than the payload has, and a descriptor
// rewritten with a new picture ID and TL0PICIDX parses back to the same
// fields with those values.
func FuzzVP9Descriptor(f *testing.F) {
	f.Add([]byte{0xae, 0x81, 0x02, 0x10, 0x07, 0x10, 0x02, 0x80, 0x01, 0x68, 0xaa})
	f.Add([]byte{0xf8, 0x85, 0x00, 0x23, 0x03, 0x04, 0xcc})
	f.Add([]byte{0xec, 0x05, 0x40, 0x09, 0xbb})
	f.Fuzz(func(t *testing.T, payload []byte) {
		d, err := rewrite.ParseVP9(payload)
		if err != nil {
			return
		}
		if d.Size > len(payload) || d.Size < 1 {
			t.Fatalf("descriptor size %d for %d bytes", d.Size, len(payload))
		}
		_ = vp9TemporalInfo(&d)
		dst := make([]byte, len(payload)+1)
		n, err := rewrite.WriteVP9(dst, payload, &d, 0x1234, 77)
		if err != nil {
			t.Fatalf("write: %v", err)
		}
		back, err := rewrite.ParseVP9(dst[:n])
		if err != nil {
			t.Fatalf("rewritten descriptor does not parse: %v", err)
		}
		if d.HasPictureID && back.PictureID != 0x1234 {
			t.Fatalf("picture ID %d after rewrite", back.PictureID)
		}
		if d.HasTL0PICIDX && back.TL0PICIDX != 77 {
			t.Fatalf("TL0PICIDX %d after rewrite", back.TL0PICIDX)
		}
		if back.TID != d.TID || back.SID != d.SID || back.SwitchUp != d.SwitchUp || back.Keyframe() != d.Keyframe() {
			t.Fatalf("layer fields changed: %+v -> %+v", d, back)
		}
	})
}

// FuzzDependencyDescriptor parses arbitrary dependency descriptors: nothing
// may panic, and a structure, when accepted, maps every template id within
// its count to a layer.
func FuzzDependencyDescriptor(f *testing.F) {
	f.Add(ddL1T3(20, 1))
	f.Add(ddMandatory(true, false, 3, 7))
	f.Add([]byte{0xc0, 0x00, 0x07, 0x80, 0x00, 0xc6, 0x00})
	f.Fuzz(func(t *testing.T, ext []byte) {
		var s ddStructure
		d, err := parseDependencyDescriptor(ext, &s)
		if err != nil {
			if s.valid {
				t.Fatal("structure set on error")
			}
			return
		}
		if d.HasStructure != s.valid {
			t.Fatalf("HasStructure %v, structure valid %v", d.HasStructure, s.valid)
		}
		if !s.valid {
			return
		}
		if s.count == 0 || s.count > maxDDTemplates {
			t.Fatalf("template count %d", s.count)
		}
		for i := range s.count {
			if _, tid, ok := s.layerOf((s.idOffset + i) % maxDDTemplates); !ok || tid > s.maxTemporal {
				t.Fatalf("template %d: tid %d ok %v (max %d)", i, tid, ok, s.maxTemporal)
			}
		}
	})
}

// FuzzForwardTemporal feeds arbitrary packets of a VP9 or AV1 track (the
// publisher negotiated the dependency descriptor) to a subscriber limited to
// a fuzzed temporal layer: nothing may panic and every packet written must
// marshal back into a valid RTP packet. data[0] picks the codec (bit 0) and
// the target temporal layer (bits 1-2); then packets follow, each with a
// one-byte length prefix.
func FuzzForwardTemporal(f *testing.F) {
	pkt := func(seq uint16, payload, dd []byte) []byte {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 98, SequenceNumber: seq, SSRC: 1, Marker: true},
			Payload: payload}
		if dd != nil {
			_ = p.SetExtension(pubDDID, dd)
		}
		raw, _ := p.Marshal()
		return append([]byte{byte(len(raw))}, raw...)
	}
	vp9 := []byte{0}
	vp9 = append(vp9, pkt(1, vp9Frame(1, 1, 0, true, true), nil)...)
	vp9 = append(vp9, pkt(2, vp9Frame(2, 1, 1, false, false), nil)...)
	vp9 = append(vp9, pkt(3, vp9FlexFrame(3, 0, true, false), nil)...)
	f.Add(vp9)
	av1 := []byte{1}
	av1 = append(av1, pkt(1, []byte{0x18, 0x0a, 0x0b}, ddL1T3(0, 1))...)
	av1 = append(av1, pkt(2, []byte{0x10, 0x32, 0x00}, ddMandatory(true, true, 3, 2))...)
	av1 = append(av1, pkt(3, []byte{0x10, 0x32, 0x00}, ddMandatory(true, true, 1, 3))...)
	f.Add(av1)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		codec := vp9Codec
		if data[0]&1 == 1 {
			codec = av1Codec
		}
		up := NewUpTrack(UpTrackConfig{TrackSID: "TR_f", Kind: webrtc.RTPCodecTypeVideo, Codec: codec, CacheSize: 16})
		l := attachLayerDD(up, 1)
		w := &fakeWriter{}
		d := bindDownCodec(t, up, w, codec)
		d.SetTargetTemporal(int(data[0]>>1) & 3)
		now := time.Unix(0, 0)
		data = data[1:]
		for len(data) > 0 {
			n := min(int(data[0]), len(data)-1)
			l.handle(data[1:1+n], now)
			data = data[1+n:]
			now = now.Add(10 * time.Millisecond)
		}
		for _, p := range w.take() {
			pkt := rtp.Packet{Header: p.hdr, Payload: p.payload}
			raw, err := pkt.Marshal()
			if err != nil {
				t.Fatalf("written packet does not marshal: %v", err)
			}
			var back rtp.Packet
			if err := back.Unmarshal(raw); err != nil {
				t.Fatalf("written packet does not parse: %v", err)
			}
		}
	})
}
