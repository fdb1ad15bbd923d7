package udpbatch

import (
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
)

// batch is a set of datagrams for one sendmmsg. Its buffers and addresses are
// allocated once and reused, so that queuing a datagram allocates nothing.
type batch struct {
	msgs  []ipv4.Message // one per datagram
	bufs  [][]byte
	addrs []net.UDPAddr
	ips   [][16]byte // backing arrays of addrs[i].IP
	n     int        // msgs[:n] are queued

	// With segmentation, the datagrams queued for one destination are
	// chained in their order, so that a send can put them together.
	segment bool
	next    []int32                  // the next datagram to the same destination, or -1
	head    []bool                   // the first datagram to its destination
	last    map[netip.AddrPort]int32 // the last datagram queued per destination
	out     []ipv4.Message           // the messages segmented builds
	iovs    [][]byte                 // their buffers, in chain order
	oobs    [][]byte                 // their UDP_SEGMENT control messages
}

func newBatch(size int, segment bool) *batch {
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
	if segment {
		b.segment = true
		b.next = make([]int32, size)
		b.last = make(map[netip.AddrPort]int32, size)
		b.head = make([]bool, size)
		b.out = make([]ipv4.Message, size)
		b.iovs = make([][]byte, size)
		b.oobs = make([][]byte, size)
		for i := range b.oobs {
			b.oobs[i] = make([]byte, segmentOOBSize)
		}
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
	if b.segment {
		// One destination whatever the form of its address: an IPv4
		// address and its IPv4-mapped form share a chain, so their
		// datagrams keep their order.
		to = netip.AddrPortFrom(ip.Unmap(), to.Port())
		b.next[i] = -1
		j, ok := b.last[to]
		if ok {
			b.next[j] = int32(i)
		}
		b.head[i] = !ok
		b.last[to] = int32(i)
	}
	b.n++
}

// reset empties the batch once it is sent.
func (b *batch) reset() {
	if b.segment {
		clear(b.last) // keeps its buckets: no allocation when it fills again
	}
	b.n = 0
}

// segmented returns the batch as messages for sendmmsg in which the
// datagrams for one destination that follow each other in its chain and
// have one size (the last may be shorter) go as one UDP_SEGMENT message,
// which the kernel cuts up again: one trip through the socket layer and
// the IP stack instead of one per datagram. Each destination's datagrams
// keep their order; the order between destinations is the order of their
// first datagrams.
func (b *batch) segmented() []ipv4.Message {
	k, v := 0, 0 // messages and buffers used
	for i := range b.n {
		if !b.head[i] {
			continue // sent with its destination's first
		}
		for j := int32(i); j >= 0; {
			first, size, total := j, len(b.bufs[j]), 0
			start := v
			for j >= 0 {
				l := len(b.bufs[j])
				if v > start && (l > size || v-start == maxSegments || total+l > maxSegmentBytes) {
					break
				}
				b.iovs[v] = b.bufs[j]
				v++
				total += l
				j = b.next[j]
				if l < size { // only the last may be shorter
					break
				}
			}
			m := &b.out[k]
			m.Buffers = b.iovs[start:v:v]
			m.Addr = &b.addrs[first]
			m.OOB = nil
			if v-start > 1 {
				m.OOB = putSegmentSize(b.oobs[k], size)
			}
			k++
		}
	}
	return b.out[:k]
}
