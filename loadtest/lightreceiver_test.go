package loadtest

import (
	"encoding/binary"
	"testing"
	"time"
)

// lightPath is a light receiver with one video stream, and a packet of it whose
// sequence numbers advance in place.
type lightPath struct {
	recv   *lightReceiver
	stream *lightStream
	pkt    []byte
	seqAt  int // offset of the transport-wide sequence number in pkt
	now    time.Time
	n      uint16
}

func newLightPath(t testing.TB, withCapture bool) *lightPath {
	var capture time.Time
	if withCapture {
		capture = time.Now()
	}
	lp := &lightPath{recv: newLightReceiver(nil), now: time.Now()}
	lp.pkt = srtpPacket(t, 0, 0, capture, 1100, false)
	lp.stream = &lightStream{ssrc: 0x11223344, captureID: testCaptureID, video: true, stats: NewStreamStats(true, 90000)}
	lp.recv.add(lp.stream, testTWCCID)
	// The transport-wide element is the first: profile word, then its id byte.
	lp.seqAt = 12 + 4 + 4 + 1
	return lp
}

// next receives the next packet, 1 ms after the last one (the TWCC recorder
// keeps 500 ms of arrivals, as on the wire).
func (lp *lightPath) next() {
	lp.n++
	binary.BigEndian.PutUint16(lp.pkt[2:], lp.n)
	binary.BigEndian.PutUint16(lp.pkt[lp.seqAt:], lp.n)
	lp.now = lp.now.Add(time.Millisecond)
	lp.recv.onDatagram(lp.pkt, lp.now)
}

func TestLightPathCountsAndAllocatesNothing(t *testing.T) {
	lp := newLightPath(t, false)
	for range 2000 { // past the TWCC recorder's first growth
		lp.next()
	}
	if n := testing.AllocsPerRun(1000, lp.next); n != 0 {
		t.Fatalf("%.2f allocations per packet", n)
	}
	snap := lp.stream.stats.Snapshot(lp.now)
	if snap.Received != 3001 || snap.Lost() != 0 || snap.Bytes != 3001*1100 {
		t.Fatalf("received %d lost %d bytes %d, want 3001 packets of 1100 bytes", snap.Received, snap.Lost(), snap.Bytes)
	}
	lp.pkt[0] |= 0x20 // a padding-only probe: counted, with no payload
	lp.next()
	if snap := lp.stream.stats.Snapshot(lp.now); snap.Received != 3002 || snap.Bytes != 3001*1100 {
		t.Fatalf("after a padding packet: received %d bytes %d, want 3002 packets and no more bytes", snap.Received, snap.Bytes)
	}
	if held := lp.recv.recorder.PacketsHeld(); held == 0 {
		t.Fatal("no transport-wide sequence number recorded")
	}
	if lp.recv.malformed.Load() != 0 || lp.recv.unknown.Load() != 0 {
		t.Fatalf("malformed %d unknown %d", lp.recv.malformed.Load(), lp.recv.unknown.Load())
	}
}

// BenchmarkLightPacket is the light subscriber's per-packet cost after the
// socket read: demultiplexing, header parse, stream statistics and the TWCC
// record, for a 1100-byte video packet.
func BenchmarkLightPacket(b *testing.B) {
	for _, tc := range []struct {
		name    string
		capture bool
	}{{"twcc", false}, {"twcc+abs-capture-time", true}} {
		b.Run(tc.name, func(b *testing.B) {
			lp := newLightPath(b, tc.capture)
			b.ReportAllocs()
			for b.Loop() {
				lp.next()
			}
		})
	}
}
