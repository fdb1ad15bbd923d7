package rewrite

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzRewrite drives SeqTS and VP8 with packets decoded from the input. Each
// record is: flags (bit 0: rebase first, bit 1: try Skip), sequence number
// (2 bytes), timestamp (4 bytes), payload length (1 byte), payload. Checked:
// no panic; the first packet of a run follows the highest packet sent by
// exactly one; within a run the output is the input shifted by a constant;
// rewritten VP8 descriptors parse back with the values written and the same
// payload after them.
func FuzzRewrite(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 0, 0, 0, 3, 0x90, 0x80, 0x00, 1, 0, 2, 0, 0, 0x0b, 0xb8, 2, 0x90, 0x00})
	f.Add(bytes.Repeat([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 4, 0x80, 0xe0, 0x7f, 0x01}, 4))
	f.Add([]byte{2, 0x12, 0x34, 0, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var s SeqTS
		s.Init(90000)
		var v VP8
		dst := make([]byte, 300)
		now := int64(0)
		inRun := false
		var shift uint16
		for len(data) >= 8 {
			flags := data[0]
			seq := binary.BigEndian.Uint16(data[1:])
			ts := binary.BigEndian.Uint32(data[3:])
			n := int(data[7])
			data = data[8:]
			if n > len(data) {
				n = len(data)
			}
			payload := data[:n]
			data = data[n:]
			now += int64(flags) * 1_000_000

			if flags&1 != 0 {
				s.Rebase()
				v.Rebase()
				inRun = false
			}
			if flags&2 != 0 && s.Skip(seq) {
				shift--
				continue
			}
			highest, _ := s.Last()
			started := s.Started()
			outSeq, _, ok := s.Rewrite(seq, ts, now)
			if !ok {
				continue
			}
			switch {
			case started && !inRun:
				if outSeq != highest+1 {
					t.Fatalf("first packet of a run got seq %d after %d", outSeq, highest)
				}
			case inRun:
				if outSeq-seq != shift {
					t.Fatalf("shift changed within a run: %d, was %d", outSeq-seq, shift)
				}
			}
			inRun, shift = true, outSeq-seq

			d, err := ParseVP8(payload)
			if err != nil {
				continue
			}
			pic, tl0 := v.Rewrite(&d)
			m, err := WriteVP8(dst, payload, &d, pic, tl0)
			if err != nil {
				t.Fatalf("WriteVP8 of a parsed descriptor: %v", err)
			}
			out, err := ParseVP8(dst[:m])
			if err != nil {
				t.Fatalf("rewritten descriptor does not parse: %v", err)
			}
			if d.HasPictureID && (out.PictureID != pic&0x7fff || !out.WidePictureID) {
				t.Fatalf("picture id %d written, %d read", pic, out.PictureID)
			}
			if d.HasTL0PICIDX && out.TL0PICIDX != tl0 {
				t.Fatalf("tl0picidx %d written, %d read", tl0, out.TL0PICIDX)
			}
			if !bytes.Equal(dst[out.Size:m], payload[d.Size:]) {
				t.Fatal("payload after the descriptor changed")
			}
		}
	})
}
