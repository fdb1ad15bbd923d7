package udpbatch

import (
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
)

// batch is a set of datagrams for one sendmmsg. Its buffers and addresses are
// allocated once and reused, so that queuing a datagram allocates nothing.
type batch struct {
	msgs  []ipv4.Message
	bufs  [][]byte
	addrs []net.UDPAddr
	ips   [][16]byte // backing arrays of addrs[i].IP
	n     int        // msgs[:n] are queued
}

func newBatch(size int) *batch {
	b := &batch{
		msgs:  make([]ipv4.Message, size),
		bufs:  make([][]byte, size),
		addrs: make([]net.UDPAddr, size),
		ips:   make([][16]byte, size),
	}
	for i := range b.msgs {
		b.bufs[i] = make([]byte, MaxDatagram)
		b.msgs[i].Buffers = b.bufs[i : i+1 : i+1]
		b.msgs[i].Addr = &b.addrs[i]
	}
	return b
}

func (b *batch) full() bool { return b.n == len(b.msgs) }

// add copies p (at most MaxDatagram bytes) into the next free slot.
func (b *batch) add(p []byte, to netip.AddrPort) {
	i := b.n
	b.bufs[i] = b.bufs[i][:copy(b.bufs[i][:cap(b.bufs[i])], p)]
	a := &b.addrs[i]
	ip := to.Addr()
	if ip.Is4() || ip.Is4In6() {
		v4 := ip.Unmap().As4()
		a.IP = b.ips[i][:4]
		copy(a.IP, v4[:])
	} else {
		a.IP = b.ips[i][:16]
		v6 := ip.As16()
		copy(a.IP, v6[:])
	}
	a.Port = int(to.Port())
	a.Zone = ip.Zone()
	b.n++
}
