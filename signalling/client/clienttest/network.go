package clienttest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// ErrNetworkCut is what a dial through a cut Network returns.
var ErrNetworkCut = errors.New("clienttest: network cut")

// Network stands between a client and the real network: the client's ICE sockets
// and its WebSocket go through it (client.WithNet). Cut makes it lose every
// datagram both ways, close the WebSocket as a broken link would, and refuse new
// connections until Restore; DropWebSocket breaks only the WebSocket;
// DropIncomingRTP loses chosen RTP packets before the client's SRTP and NACK
// machinery see them, as the network would.
//
// A Network serves one client; it implements Pion's transport.Net.
type Network struct {
	*stdnet.Net

	mu      sync.Mutex
	cut     bool
	restore *time.Timer
	drop    func(*rtp.Header) bool
	tcp     map[net.Conn]struct{}
	dropped int
}

var _ transport.Net = (*Network)(nil)

// NewNetwork returns a Network that passes everything through.
func NewNetwork() (*Network, error) {
	std, err := stdnet.NewNet()
	if err != nil {
		return nil, fmt.Errorf("clienttest: network: %w", err)
	}
	return &Network{Net: std, tcp: map[net.Conn]struct{}{}}, nil
}

// Cut loses every UDP datagram, closes the open TCP connections (the WebSocket) and
// refuses new ones, until Restore (or for d when d > 0).
func (n *Network) Cut(d time.Duration) {
	n.mu.Lock()
	n.cut = true
	if n.restore != nil {
		n.restore.Stop()
		n.restore = nil
	}
	if d > 0 {
		n.restore = time.AfterFunc(d, n.Restore)
	}
	conns := n.tcp
	n.tcp = map[net.Conn]struct{}{}
	n.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

// DropWebSocket closes the open TCP connections (the WebSocket) as a network
// failure would (no close frame, no leave) and lets media flow on: the client
// resumes on a new socket unless client.WithResume(false).
func (n *Network) DropWebSocket() {
	n.mu.Lock()
	conns := n.tcp
	n.tcp = map[net.Conn]struct{}{}
	n.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

// Restore ends a Cut.
func (n *Network) Restore() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut = false
	if n.restore != nil {
		n.restore.Stop()
		n.restore = nil
	}
}

// IsCut reports whether the network is cut now.
func (n *Network) IsCut() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cut
}

// DropIncomingRTP makes the network lose the incoming RTP packets for which f
// returns true (nil: none). f sees the clear RTP header of each SRTP packet (the
// header is not encrypted) and is called on the receive path: keep it cheap.
func (n *Network) DropIncomingRTP(f func(h *rtp.Header) bool) {
	n.mu.Lock()
	n.drop = f
	n.mu.Unlock()
}

// Dropped counts the datagrams lost so far by a cut or the drop function.
func (n *Network) Dropped() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.dropped
}

// ListenUDP implements transport.Net: ICE gathers host candidates with it.
func (n *Network) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return &lossyUDP{UDPConn: c, n: n}, nil
}

// DialContext dials TCP for the WebSocket; refused while cut, closed by Cut.
func (n *Network) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if n.IsCut() {
		return nil, fmt.Errorf("dial %s: %w", addr, ErrNetworkCut)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cut {
		_ = c.Close()
		return nil, fmt.Errorf("dial %s: %w", addr, ErrNetworkCut)
	}
	n.tcp[c] = struct{}{}
	return &trackedConn{Conn: c, n: n}, nil
}

// loseOutgoing reports whether an outgoing datagram is lost.
func (n *Network) loseOutgoing() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cut {
		n.dropped++
	}
	return n.cut
}

// loseIncoming reports whether the incoming datagram b is lost.
func (n *Network) loseIncoming(b []byte) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cut {
		n.dropped++
		return true
	}
	if n.drop == nil || !isRTP(b) {
		return false
	}
	var h rtp.Header
	if _, err := h.Unmarshal(b); err != nil {
		return false
	}
	if n.drop(&h) {
		n.dropped++
		return true
	}
	return false
}

// isRTP tells RTP from STUN, DTLS and RTCP on a muxed socket (RFC 7983, RFC 5761:
// RTCP packet types 192..223 sit where RTP has marker+payload type 64..95).
func isRTP(b []byte) bool {
	if len(b) < 12 || b[0] < 128 || b[0] > 191 {
		return false
	}
	return b[1] < 192 || b[1] > 223
}

type trackedConn struct {
	net.Conn
	n *Network
}

func (c *trackedConn) Close() error {
	c.n.mu.Lock()
	delete(c.n.tcp, c.Conn)
	c.n.mu.Unlock()
	return c.Conn.Close()
}

// lossyUDP is a socket that loses what its Network says.
type lossyUDP struct {
	transport.UDPConn
	n *Network
}

func (c *lossyUDP) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		k, addr, err := c.UDPConn.ReadFrom(p)
		if err != nil || !c.n.loseIncoming(p[:k]) {
			return k, addr, err
		}
	}
}

func (c *lossyUDP) ReadFromUDP(p []byte) (int, *net.UDPAddr, error) {
	for {
		k, addr, err := c.UDPConn.ReadFromUDP(p)
		if err != nil || !c.n.loseIncoming(p[:k]) {
			return k, addr, err
		}
	}
}

func (c *lossyUDP) Read(p []byte) (int, error) {
	for {
		k, err := c.UDPConn.Read(p)
		if err != nil || !c.n.loseIncoming(p[:k]) {
			return k, err
		}
	}
}

func (c *lossyUDP) ReadMsgUDP(p, oob []byte) (int, int, int, *net.UDPAddr, error) {
	for {
		k, oobn, flags, addr, err := c.UDPConn.ReadMsgUDP(p, oob)
		if err != nil || !c.n.loseIncoming(p[:k]) {
			return k, oobn, flags, addr, err
		}
	}
}

func (c *lossyUDP) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.n.loseOutgoing() {
		return len(p), nil
	}
	return c.UDPConn.WriteTo(p, addr)
}

func (c *lossyUDP) WriteToUDP(p []byte, addr *net.UDPAddr) (int, error) {
	if c.n.loseOutgoing() {
		return len(p), nil
	}
	return c.UDPConn.WriteToUDP(p, addr)
}

func (c *lossyUDP) Write(p []byte) (int, error) {
	if c.n.loseOutgoing() {
		return len(p), nil
	}
	return c.UDPConn.Write(p)
}

func (c *lossyUDP) WriteMsgUDP(p, oob []byte, addr *net.UDPAddr) (int, int, error) {
	if c.n.loseOutgoing() {
		return len(p), len(oob), nil
	}
	return c.UDPConn.WriteMsgUDP(p, oob, addr)
}
