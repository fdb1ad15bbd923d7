package recording

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// fuzzPackets reads a publisher's packets from data, 5 bytes of header each
// and its payload: the sequence number's step (signed, so packets repeat,
// reorder and skip), the timestamp's step (signed, 16 bits), and a byte whose
// top bit is the marker and whose low 5 bits are the payload's length.
func fuzzPackets(data []byte) []*rtp.Packet {
	var out []*rtp.Packet
	seq, ts := uint16(1000), uint32(90000)
	for len(data) >= 4 {
		seq += uint16(int16(int8(data[0])))
		ts += uint32(int32(int16(binary.BigEndian.Uint16(data[1:3]))))
		marker, n := data[3]&0x80 != 0, int(data[3]&0x1f)
		data = data[4:]
		n = min(n, len(data))
		out = append(out, &rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, Marker: marker},
			Payload: append([]byte(nil), data[:n]...),
		})
		data = data[n:]
	}
	return out
}

// Any sequence of VP8 packets a publisher sends (repeated, reordered, lost,
// cut frames, nonsense descriptors) goes through the assembler without a
// panic, and what comes out holds: every frame ends on a packet with the
// marker bit, no frame comes out twice, and frames come out in sequence
// order.
func FuzzAssembler(f *testing.F) {
	// A key frame in two packets, an inter frame, a frame cut by a switch.
	f.Add([]byte{
		1, 0, 0, 0x04, 0x10, 0x00, 0x9d, 0x01,
		1, 0, 0, 0x83, 0x2a, 0x00, 0x00,
		1, 0x0b, 0xb8, 0x82, 0x10, 0x01,
		1, 0x0b, 0xb8, 0x02, 0x10, 0x01,
		1, 0x0b, 0xb8, 0x82, 0x10, 0x00,
	})
	// Reordered and repeated packets.
	f.Add([]byte{
		2, 0, 0, 0x82, 0x10, 0x00,
		0xff, 0, 0, 0x02, 0x10, 0x00,
		0, 0, 0, 0x02, 0x10, 0x00,
		3, 0x0b, 0xb8, 0x82, 0x10, 0x00,
	})
	// A jump far ahead and back.
	f.Add([]byte{
		1, 0, 0, 0x82, 0x10, 0x00,
		0x7f, 0x7f, 0xff, 0x82, 0x10, 0x00,
		0x80, 0x80, 0x00, 0x82, 0x10, 0x00,
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		a := newAssembler(&codecs.VP8Packet{}, 90000, maxLateVideo, true)
		at := time.Unix(1000, 0)
		var lastSeq uint16
		seen := false
		check := func() {
			for fr, ok := a.pop(); ok; fr, ok = a.pop() {
				hs := fr.RTPHeaders
				if !hs[len(hs)-1].Marker {
					t.Fatalf("frame of timestamp %d ends without the marker bit", fr.PacketTimestamp)
				}
				if seen && int16(hs[0].SequenceNumber-lastSeq) <= 0 {
					t.Fatalf("frame starting at %d came out after one ending at %d", hs[0].SequenceNumber, lastSeq)
				}
				lastSeq, seen = hs[len(hs)-1].SequenceNumber, true
			}
		}
		for _, p := range fuzzPackets(data) {
			at = at.Add(10 * time.Millisecond)
			a.push(p, at)
			check()
		}
		a.flush()
		check()
	})
}
