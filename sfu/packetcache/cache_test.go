package packetcache

import (
	"bytes"
	"testing"
)

func packet(seq uint16, size int) []byte {
	p := make([]byte, size)
	p[0] = 0x80
	p[2], p[3] = byte(seq>>8), byte(seq)
	for i := 12; i < size; i++ {
		p[i] = byte(int(seq) + i)
	}
	return p
}

func TestCapacityIsRoundedToPowerOfTwo(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{0, 16}, {16, 16}, {17, 32}, {500, 512}, {1 << 20, 1 << 14}} {
		if got := New(tc.in).Capacity(); got != tc.want {
			t.Errorf("New(%d).Capacity() = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestStoreAndGetReturnsTheSameBytes(t *testing.T) {
	c := New(64)
	buf := make([]byte, MaxPacketSize)
	for seq := uint16(100); seq < 150; seq++ {
		c.Store(seq, packet(seq, 100+int(seq)))
	}
	for seq := uint16(100); seq < 150; seq++ {
		n, ok := c.Get(seq, buf)
		if !ok {
			t.Fatalf("Get(%d) missed", seq)
		}
		if !bytes.Equal(buf[:n], packet(seq, 100+int(seq))) {
			t.Fatalf("Get(%d) returned other bytes", seq)
		}
	}
}

func TestLookupMiss(t *testing.T) {
	c := New(16)
	buf := make([]byte, MaxPacketSize)
	if _, ok := c.Get(1, buf); ok {
		t.Fatal("empty cache returned a packet")
	}
	c.Store(10, packet(10, 50))
	for _, seq := range []uint16{9, 11, 10 + 16, 65530} {
		if _, ok := c.Get(seq, buf); ok {
			t.Errorf("Get(%d) hit, want miss", seq)
		}
	}
	if _, ok := c.Get(10, make([]byte, 10)); ok {
		t.Error("Get into a too small buffer reported success")
	}
}

func TestOverwriteEvictsOldestPacket(t *testing.T) {
	c := New(16)
	buf := make([]byte, MaxPacketSize)
	for seq := uint16(0); seq < 40; seq++ {
		c.Store(seq, packet(seq, 60))
	}
	for seq := uint16(0); seq < 24; seq++ {
		if _, ok := c.Get(seq, buf); ok {
			t.Errorf("Get(%d) hit an evicted packet", seq)
		}
	}
	for seq := uint16(24); seq < 40; seq++ {
		if _, ok := c.Get(seq, buf); !ok {
			t.Errorf("Get(%d) missed a recent packet", seq)
		}
	}
}

func TestWrapAroundOfSequenceNumbers(t *testing.T) {
	c := New(32)
	buf := make([]byte, MaxPacketSize)
	for i := 0; i < 20; i++ {
		seq := uint16(65530 + i) // wraps after 65535
		c.Store(seq, packet(seq, 80))
	}
	for i := 0; i < 20; i++ {
		seq := uint16(65530 + i)
		n, ok := c.Get(seq, buf)
		if !ok || !bytes.Equal(buf[:n], packet(seq, 80)) {
			t.Fatalf("Get(%d) after wrap: ok=%v", seq, ok)
		}
	}
}

func TestPacketFromAnEarlierTurnDoesNotMatch(t *testing.T) {
	c := New(16)
	buf := make([]byte, MaxPacketSize)
	c.Store(5, packet(5, 40))
	// Walk a whole turn of the sequence space with gaps, so that slot 5 is
	// never overwritten but the stored packet is 65536 packets old.
	for seq := 0; seq <= 65536; seq += 1000 {
		c.Store(uint16(seq+7), packet(uint16(seq+7), 40))
	}
	if _, ok := c.Get(5, buf); ok {
		t.Fatal("a packet from a previous turn of the sequence space was returned")
	}
}

func TestLateOutOfOrderPacketIsStored(t *testing.T) {
	c := New(16)
	buf := make([]byte, MaxPacketSize)
	c.Store(10, packet(10, 40))
	c.Store(12, packet(12, 40))
	c.Store(11, packet(11, 40))
	if _, ok := c.Get(11, buf); !ok {
		t.Fatal("late packet not stored")
	}
	// Too old for the ring: ignored, and it must not evict a newer packet.
	for seq := uint16(13); seq < 40; seq++ {
		c.Store(seq, packet(seq, 40))
	}
	if c.Store(15, packet(15, 40)) {
		t.Fatal("a packet older than the ring was stored")
	}
	if _, ok := c.Get(31, buf); !ok {
		t.Fatal("newer packet evicted by a stale one")
	}
}

func TestOversizedPacketIsNotStored(t *testing.T) {
	c := New(16)
	if c.Store(1, make([]byte, MaxPacketSize+1)) {
		t.Fatal("oversized packet stored")
	}
}

func TestReset(t *testing.T) {
	c := New(16)
	c.Store(1, packet(1, 40))
	c.Reset()
	if _, ok := c.Get(1, make([]byte, MaxPacketSize)); ok {
		t.Fatal("packet survived Reset")
	}
}

func TestStoreAndGetDoNotAllocate(t *testing.T) {
	c := New(512)
	p := packet(1, 1200)
	buf := make([]byte, MaxPacketSize)
	seq := uint16(0)
	allocs := testing.AllocsPerRun(1000, func() {
		seq++
		c.Store(seq, p)
		c.Get(seq, buf)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Store+Get, want 0", allocs)
	}
}

func BenchmarkStoreGet(b *testing.B) {
	c := New(512)
	p := packet(1, 1200)
	buf := make([]byte, MaxPacketSize)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for i := 0; b.Loop(); i++ {
		c.Store(uint16(i), p)
		c.Get(uint16(i), buf)
	}
}
