package sendbwe

import (
	"errors"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

type visited struct {
	seq       uint16
	received  bool
	arrivalUs int64
}

type collector struct{ got []visited }

func (c *collector) status(seq uint16, received bool, arrivalUs int64) {
	c.got = append(c.got, visited{seq, received, arrivalUs})
}

// pionStatuses is what Pion's parse says of the same feedback, in the
// visitor's terms.
func pionStatuses(fb *rtcp.TransportLayerCC) []visited {
	var out []visited
	arrival := int64(fb.ReferenceTime) * referenceUnitUs
	seq := fb.BaseSequenceNumber
	left := int(fb.PacketStatusCount)
	deltas := fb.RecvDeltas
	one := func(symbol uint16) {
		if left <= 0 {
			return
		}
		left--
		received := symbol == rtcp.TypeTCCPacketReceivedSmallDelta || symbol == rtcp.TypeTCCPacketReceivedLargeDelta
		if received {
			arrival += deltas[0].Delta
			deltas = deltas[1:]
		}
		out = append(out, visited{seq, received, arrival})
		seq++
	}
	for _, chunk := range fb.PacketChunks {
		switch c := chunk.(type) {
		case *rtcp.RunLengthChunk:
			for range c.RunLength {
				one(c.PacketStatusSymbol)
			}
		case *rtcp.StatusVectorChunk:
			for _, s := range c.SymbolList {
				one(s)
			}
		}
	}
	return out
}

func twccSeeds() []*rtcp.TransportLayerCC {
	small := func(us int64) *rtcp.RecvDelta {
		return &rtcp.RecvDelta{Type: rtcp.TypeTCCPacketReceivedSmallDelta, Delta: us}
	}
	large := func(us int64) *rtcp.RecvDelta {
		return &rtcp.RecvDelta{Type: rtcp.TypeTCCPacketReceivedLargeDelta, Delta: us}
	}
	return []*rtcp.TransportLayerCC{
		{SenderSSRC: 1, MediaSSRC: 2, BaseSequenceNumber: 65534, PacketStatusCount: 4, ReferenceTime: 0xfffff0, FbPktCount: 7,
			PacketChunks: []rtcp.PacketStatusChunk{&rtcp.RunLengthChunk{PacketStatusSymbol: rtcp.TypeTCCPacketReceivedSmallDelta, RunLength: 4}},
			RecvDeltas:   []*rtcp.RecvDelta{small(250), small(5000), small(0), small(63750)}},
		{SenderSSRC: 1, MediaSSRC: 2, BaseSequenceNumber: 10, PacketStatusCount: 9, ReferenceTime: 12,
			PacketChunks: []rtcp.PacketStatusChunk{&rtcp.StatusVectorChunk{SymbolSize: rtcp.TypeTCCSymbolSizeTwoBit,
				SymbolList: []uint16{rtcp.TypeTCCPacketReceivedLargeDelta, rtcp.TypeTCCPacketNotReceived, rtcp.TypeTCCPacketReceivedSmallDelta,
					rtcp.TypeTCCPacketReceivedLargeDelta, rtcp.TypeTCCPacketNotReceived, rtcp.TypeTCCPacketNotReceived, rtcp.TypeTCCPacketReceivedSmallDelta}},
				&rtcp.StatusVectorChunk{SymbolSize: rtcp.TypeTCCSymbolSizeOneBit, SymbolList: []uint16{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}},
			RecvDeltas: []*rtcp.RecvDelta{large(-8000), small(1000), large(300_000), small(250), small(500)}},
		{SenderSSRC: 1, MediaSSRC: 2, BaseSequenceNumber: 300, PacketStatusCount: 3, ReferenceTime: 1,
			PacketChunks: []rtcp.PacketStatusChunk{&rtcp.RunLengthChunk{PacketStatusSymbol: rtcp.TypeTCCPacketNotReceived, RunLength: 3}}},
	}
}

// marshalTWCC fills in the header Pion's Marshal takes as given.
func marshalTWCC(fb *rtcp.TransportLayerCC) ([]byte, error) {
	n := fb.MarshalSize()
	fb.Header = rtcp.Header{Count: rtcp.FormatTCC,
		Type: rtcp.TypeTransportSpecificFeedback, Length: uint16(n/4 - 1)}
	return fb.Marshal()
}

// FuzzParseTWCC reads arbitrary bytes as a transport-wide feedback packet.
// Whatever Pion parses, the parse here must read the same statuses and
// arrival times; whatever it refuses is harmless.
func FuzzParseTWCC(f *testing.F) {
	for _, fb := range twccSeeds() {
		raw, err := marshalTWCC(fb)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var c collector
		err := parseTWCC(raw, &c)
		var fb rtcp.TransportLayerCC
		if fb.Unmarshal(raw) != nil || len(raw) != int(fb.Header.Length+1)*4 {
			return
		}
		if err != nil {
			// Pion reads an incomplete vector's missing symbols as received
			// without a delta; a feedback it reads with fewer deltas than
			// received packets is refused here.
			if errors.Is(err, errTWCCDeltas) {
				return
			}
			t.Fatalf("Pion parses %x, refused here: %v", raw, err)
		}
		want := pionStatuses(&fb)
		if len(want) != len(c.got) {
			t.Fatalf("%d statuses, Pion %d", len(c.got), len(want))
		}
		for i := range want {
			if want[i] != c.got[i] {
				t.Fatalf("status %d: %+v, Pion %+v", i, c.got[i], want[i])
			}
		}
	})
}

func TestMalformedFeedbackIsRefusedWithWhatWasRead(t *testing.T) {
	raw, err := marshalTWCC(twccSeeds()[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		raw  []byte
		want error
		read int
	}{
		{"header cut", raw[:12], errShortTWCC, 0},
		{"no chunks", raw[:20], errTWCCChunks, 0},
		{"deltas cut", raw[:24], errTWCCDeltas, 2},
	} {
		var c collector
		if err := parseTWCC(tc.raw, &c); !errors.Is(err, tc.want) || len(c.got) != tc.read {
			t.Errorf("%s: %v after %d statuses, want %v after %d", tc.name, err, len(c.got), tc.want, tc.read)
		}
	}
	e := newEstimator()
	e.Sent(65534, 1000, time.Now())
	// A compound packet: a receiver report, then the cut feedback with its
	// length claiming more than the datagram holds.
	rr, _ := (&rtcp.ReceiverReport{SSRC: 1}).Marshal()
	if _, err := e.ReadRTCP(append(rr, raw[:24]...), time.Now()); !errors.Is(err, errRTCPLength) {
		t.Errorf("a packet whose length runs past the datagram: %v", err)
	}
	if _, err := e.ReadRTCP([]byte{0x40, 0, 0, 0}, time.Now()); !errors.Is(err, errRTCPVersion) {
		t.Errorf("version 1: %v", err)
	}
}

func TestREMBIsReadInPlace(t *testing.T) {
	for _, bps := range []float32{0, 450_000, 2.5e6, 1e20} {
		raw, err := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 1},
			&rtcp.ReceiverEstimatedMaximumBitrate{SenderSSRC: 1, Bitrate: bps, SSRCs: []uint32{5, 6}}})
		if err != nil {
			t.Fatal(err)
		}
		f, err := newEstimator().ReadRTCP(raw, time.Now())
		if err != nil || !f.REMB {
			t.Fatalf("REMB %v: %+v, %v", bps, f, err)
		}
		var p rtcp.ReceiverEstimatedMaximumBitrate
		if err := p.Unmarshal(raw[8:]); err != nil {
			t.Fatal(err)
		}
		if bps == 0 {
			// Pion reads a zero mantissa as 2^23 bit/s.
			if f.REMBBps != 0 {
				t.Errorf("REMB 0: read %v", f.REMBBps)
			}
			continue
		}
		if float32(f.REMBBps) != p.Bitrate {
			t.Errorf("REMB %v: read %v, Pion %v", bps, f.REMBBps, p.Bitrate)
		}
	}
}

// Recording a packet and reading a compound packet of feedback allocate
// nothing: both run for every packet sent and every feedback received.
func TestRecordingAndReadingAllocateNothing(t *testing.T) {
	e := newEstimator()
	l := newLink(t)
	for seq := range uint16(100) {
		l.send(e, seq, 5*time.Millisecond, seq%10 == 3)
	}
	raw, err := rtcp.Marshal(append([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 1}}, l.rec.BuildFeedbackPacket()...))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	seq := uint16(0)
	allocs := testing.AllocsPerRun(100, func() {
		e.Sent(seq, 1000, now) // brings packet seq back for the feedback to find
		seq = (seq + 1) % 100
		if _, err := e.ReadRTCP(raw, now); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet and feedback", allocs)
	}
}

func BenchmarkReadTWCC(b *testing.B) {
	e := newEstimator()
	l := &link{start: time.Unix(1_700_000_000, 0)}
	l.rec = newLink(nil).rec
	for seq := range uint16(100) {
		l.send(e, seq, 5*time.Millisecond, false)
	}
	raw, err := rtcp.Marshal(l.rec.BuildFeedbackPacket())
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.ReadRTCP(raw, now); err != nil {
			b.Fatal(err)
		}
	}
}
