package udpbatch

import (
	"testing"

	"golang.org/x/net/ipv4"
)

// A flush allocates nothing: the function the raw socket calls is made once
// per sender, not per call.
func TestRawSendAllocatesNothing(t *testing.T) {
	uc := listen(t)
	t.Cleanup(func() { _ = uc.Close() })
	s, err := newRawSender(uc, 4)
	if err != nil {
		t.Fatal(err)
	}
	r := listen(t)
	t.Cleanup(func() { _ = r.Close() })
	msgs := []ipv4.Message{{Buffers: [][]byte{datagram(0, 200)}, Addr: r.LocalAddr()}, {Buffers: [][]byte{datagram(1, 200)}, Addr: r.LocalAddr()}}
	buf := make([]byte, MaxDatagram)
	allocs := testing.AllocsPerRun(100, func() {
		if n, err := s.send(msgs); n != 2 || err != nil {
			t.Fatalf("sent %d of 2: %v", n, err)
		}
		for range 2 {
			if _, err := r.Read(buf); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per send of a batch, want 0", allocs)
	}
}
