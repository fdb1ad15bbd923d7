package sip

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

// steadyCamera is the camera shown to a caller, in the state a reader is in
// on every packet once the switch was made: one packet of three-packet frames
// at a time (an FU-A of a P slice, with a room header extension, as the room
// client reads them), pushed through the switcher into the reader's own
// slice and marshalled into the reader's own datagram. Its packet object is
// filled again for each step, as Pion's read fills a fresh one, so that the
// step measures the switch and not the read.
type steadyCamera struct {
	sw      *videoSwitcher
	p       *rtp.Packet
	ext     []rtp.Extension
	payload []byte
	seq     uint16
	ts      uint32
	now     time.Time
	out     []*rtp.Packet
	buf     []byte
}

func newSteadyCamera(tb testing.TB) *steadyCamera {
	tb.Helper()
	c := &steadyCamera{sw: newVideoSwitcher(100, 100), p: &rtp.Packet{}, now: time.Unix(1000, 0),
		seq: 40000, buf: make([]byte, 1500)}
	var room rtp.Header // a header extension of the room's, which the caller must not get
	if err := room.SetExtension(3, []byte{1, 2, 3}); err != nil {
		tb.Fatal(err)
	}
	c.ext = room.Extensions
	c.payload = make([]byte, 1100)
	c.payload[0], c.payload[1] = 28, 0x01 // FU-A, a slice that is no IDR
	c.sw.switchTo("a")
	key := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: c.seq, Timestamp: c.ts, Marker: true},
		Payload: []byte{0x65, 0x88, 0x84}}
	if out, switched := c.sw.push("a", key, c.now, nil); !switched || len(out) != 1 {
		tb.Fatalf("the key frame made no switch: %d packets sent", len(out))
	}
	return c
}

// step pushes the camera's next packet and marshals what is to be sent.
func (c *steadyCamera) step() {
	c.seq++
	if c.seq%3 == 1 {
		c.ts += 3000
		c.now = c.now.Add(33 * time.Millisecond)
	}
	*c.p = rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 102, SSRC: 0x1234, SequenceNumber: c.seq,
		Timestamp: c.ts, Marker: c.seq%3 == 0, Extension: true, ExtensionProfile: 0xbede,
		Extensions: c.ext}, Payload: c.payload}
	c.out, _ = c.sw.push("a", c.p, c.now, c.out[:0])
	for _, q := range c.out {
		q.SSRC, q.PayloadType = 0x5678, 96
		if _, err := q.MarshalTo(c.buf); err != nil {
			panic(err)
		}
	}
}

// The camera shown goes to the caller without an allocation per packet: the
// switcher rewrites the reader's packet in place, into the reader's slice.
func TestVideoSwitcherSteadyPathDoesNotAllocate(t *testing.T) {
	c := newSteadyCamera(t)
	c.step()
	if len(c.out) != 1 || c.out[0] != c.p || c.out[0].Extension || c.out[0].SequenceNumber != 101 {
		t.Fatalf("the camera's packet is not sent rewritten in place: %+v", c.out)
	}
	if n := testing.AllocsPerRun(1000, c.step); n != 0 {
		t.Fatalf("%v allocations per packet of the camera shown, want 0", n)
	}
}

// BenchmarkVideoSwitcherSteady is one packet of the camera shown, through the
// switcher and marshalled for the caller (the reader's work but the socket).
//
//	go test -tags sipcodecs -run XXX -bench BenchmarkVideoSwitcherSteady -benchmem ./sip/
func BenchmarkVideoSwitcherSteady(b *testing.B) {
	c := newSteadyCamera(b)
	b.ReportAllocs()
	for b.Loop() {
		c.step()
	}
}
