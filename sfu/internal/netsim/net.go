package netsim

import (
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// Net is a transport.Net whose UDP sockets receive through a Link.
type Net struct {
	*stdnet.Net
	link *Link

	mu    sync.Mutex
	conns map[*shapedConn]struct{}
}

var _ transport.Net = (*Net)(nil)

// NewNet returns a Net shaping received datagrams with link.
func NewNet(link *Link) (*Net, error) {
	std, err := stdnet.NewNet()
	if err != nil {
		return nil, fmt.Errorf("netsim: %w", err)
	}
	return &Net{Net: std, link: link, conns: map[*shapedConn]struct{}{}}, nil
}

// Close closes the sockets still open (Pion may leave one it did not use)
// and waits for their goroutines.
func (n *Net) Close() {
	n.mu.Lock()
	conns := n.conns
	n.conns = map[*shapedConn]struct{}{}
	n.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

func (n *Net) track(c *shapedConn) *shapedConn {
	n.mu.Lock()
	n.conns[c] = struct{}{}
	n.mu.Unlock()
	return c
}

// ListenUDP opens a UDP socket whose incoming datagrams cross the link.
func (n *Net) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return n.track(newShapedConn(c, n.link)), nil
}

// ListenPacket opens a packet socket whose incoming datagrams cross the link.
func (n *Net) ListenPacket(network, address string) (net.PacketConn, error) {
	c, err := n.Net.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	uc, ok := c.(transport.UDPConn)
	if !ok {
		return c, nil
	}
	return n.track(newShapedConn(uc, n.link)), nil
}

type datagram struct {
	b    []byte
	from net.Addr
}

// shapedConn delivers what the socket receives at the link's pace: one
// goroutine reads the socket into the queue, another releases the queue at
// the cap.
type shapedConn struct {
	transport.UDPConn
	link  *Link
	queue chan datagram
	out   chan datagram
	stop  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup
}

func newShapedConn(c transport.UDPConn, link *Link) *shapedConn {
	s := &shapedConn{UDPConn: c, link: link, queue: make(chan datagram, 4096), out: make(chan datagram),
		stop: make(chan struct{})}
	s.wg.Add(2)
	go s.readLoop()
	go s.releaseLoop()
	return s
}

func (s *shapedConn) readLoop() {
	defer s.wg.Done()
	for {
		b := make([]byte, 1500)
		n, from, err := s.UDPConn.ReadFrom(b)
		if err != nil {
			s.once.Do(func() { close(s.stop) })
			return
		}
		if !s.link.admit(n) {
			continue
		}
		select {
		case s.queue <- datagram{b[:n], from}:
		case <-s.stop:
			return
		}
	}
}

func (s *shapedConn) releaseLoop() {
	defer s.wg.Done()
	for {
		select {
		case d := <-s.queue:
			if !s.link.waitSend(len(d.b), s.stop) {
				return
			}
			select {
			case s.out <- d:
			case <-s.stop:
				return
			}
		case <-s.stop:
			return
		}
	}
}

// ReadFrom returns the next datagram the link released.
func (s *shapedConn) ReadFrom(b []byte) (int, net.Addr, error) {
	select {
	case d := <-s.out:
		return copy(b, d.b), d.from, nil
	case <-s.stop:
		return 0, nil, net.ErrClosed
	}
}

// ReadFromUDP is ReadFrom for UDP addresses.
func (s *shapedConn) ReadFromUDP(b []byte) (int, *net.UDPAddr, error) {
	n, a, err := s.ReadFrom(b)
	ua, _ := a.(*net.UDPAddr)
	return n, ua, err
}

// Read is ReadFrom without the address.
func (s *shapedConn) Read(b []byte) (int, error) {
	n, _, err := s.ReadFrom(b)
	return n, err
}

// Close closes the socket and waits for the link's goroutines.
func (s *shapedConn) Close() error {
	err := s.UDPConn.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	s.once.Do(func() { close(s.stop) })
	s.wg.Wait()
	return err
}
