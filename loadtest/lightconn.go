package loadtest

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/pion/transport/v5"
)

// lightNet gives a light subscriber sockets that pass each received SRTP media
// datagram to its lightReceiver instead of to Pion.
//
// Why at the socket: Pion's ICE agent reads every datagram of a host candidate
// from the transport.Net socket (ReadFromAddrPort when the socket offers it,
// else ReadFrom) and hands it to the DTLS/SRTP mux; a datagram kept back here
// never costs a decryption, an interceptor pass or a buffer copy, and STUN, DTLS
// and SRTCP — every datagram that is not SRTP media — still reach Pion unchanged,
// so ICE, the handshake and the RTCP path stay Pion's own.
type lightNet struct {
	*bigBufferNet
	recv *lightReceiver
}

// ListenUDP opens a socket of the big-buffer network and wraps it.
func (n *lightNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
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
