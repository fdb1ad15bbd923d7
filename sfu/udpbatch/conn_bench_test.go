package udpbatch

import (
	"net"
	"testing"
	"time"

	"github.com/pion/transport/v5/udp"
)

// BenchmarkWriteToAddrPort queues 1200-byte datagrams to one loopback
// receiver (nobody reads it; the kernel drops what overflows its buffer), as
// sfu.Engine configures the socket: 64 per sendmmsg, 2 ms at most.
func BenchmarkWriteToAddrPort(b *testing.B) {
	c := newConn(b, Options{BatchSize: 64, FlushAfter: 2 * time.Millisecond})
	r := listen(b)
	defer r.Close()
	to := r.LocalAddr().(*net.UDPAddr).AddrPort()
	p := datagram(1, 1200)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := c.WriteToAddrPort(p, to); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPionBatchConnWriteTo is the same through pion/transport's
// udp.BatchConn, which sfu.Engine used before (its WriteTo takes a net.Addr).
func BenchmarkPionBatchConnWriteTo(b *testing.B) {
	c := udp.NewBatchConn(listen(b), 64, 2*time.Millisecond)
	defer c.Close()
	r := listen(b)
	defer r.Close()
	to := r.LocalAddr()
	p := datagram(1, 1200)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := c.WriteTo(p, to); err != nil {
			b.Fatal(err)
		}
	}
}
