//go:build !linux

package loadtest

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/pion/transport/v5"
)

// lightPoll is Linux's (lightpoll_linux.go); here each socket has its own reader.
type lightPoll struct{}

func newLightPoll() (*lightPoll, error) { return &lightPoll{}, nil }
func (*lightPoll) close()               {}

// listenLight opens a socket of the big-buffer network and wraps it.
func (n *lightNet) listenLight(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.bigBufferNet.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	uc, ok := c.(*net.UDPConn)
	if !ok {
		_ = c.Close()
		return nil, fmt.Errorf("light subscriber: socket of type %T cannot be read header-only", c)
	}
	batch, err := newRecvBatch(uc)
	if err != nil {
		_ = uc.Close()
		return nil, err
	}
	return &lightConn{UDPConn: uc, recv: n.recv, batch: batch}, nil
}

// lightConn is a UDP socket whose reads skip the datagrams its receiver takes.
// Pion's ICE agent reads through ReadFromAddrPort (this type is not a
// *net.UDPConn, so ICE looks for that method) or ReadFrom; both are covered.
type lightConn struct {
	*net.UDPConn
	recv    *lightReceiver
	batch   *recvBatch
	batchAt time.Time // when the batch was read: the arrival time of its datagrams
}

// ReadFromAddrPort returns the next datagram the receiver does not take. Only
// Pion's ICE agent reads the socket, from one goroutine, so the batch needs no
// lock.
func (c *lightConn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	for {
		d, addr, ok := c.batch.take()
		if !ok {
			if err := c.batch.fill(); err != nil {
				return 0, netip.AddrPort{}, err
			}
			c.batchAt = time.Now()
			continue
		}
		if !c.recv.onDatagram(d, c.batchAt) {
			// Not media: Pion's. The rest of the batch waits for the next call.
			return copy(b, d), addr, nil
		}
	}
}

// ReadFrom is ReadFromAddrPort with a net.Addr.
func (c *lightConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, addr, err := c.ReadFromAddrPort(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(addr), nil
}

// WriteToAddrPort writes without allocating an address.
func (c *lightConn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	return c.UDPConn.WriteToUDPAddrPort(b, addr)
}
