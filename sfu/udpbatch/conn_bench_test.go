package udpbatch

import (
	"net"
	"testing"
	"time"
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
