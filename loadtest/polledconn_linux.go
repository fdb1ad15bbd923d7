//go:build linux

package loadtest

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// polledConn is a light subscriber's UDP socket read by a pollLoop instead of by a
// goroutine of its own. The loop hands each SRTP media datagram to the receiver
// in place; the others (STUN, DTLS, SRTCP: a few per second) are copied to a
// short queue that Pion's ICE agent reads through ReadFromAddrPort, as it would
// read the socket. Writes go straight to the socket.
//
// The socket is opened here, not with net.ListenUDP, so that it is in no
// netpoller but the loop's (see lightPoll).
type polledConn struct {
	fd     int // -1 once closed; read under wmu by writers
	family int // unix.AF_INET or AF_INET6
	local  *net.UDPAddr
	recv   *lightReceiver
	loop   *pollLoop
	batch  *recvBatch // the loop's only

	toPion  chan *pionDatagram
	closing chan struct{}
	once    sync.Once
	dropped atomic.Uint64 // datagrams for Pion dropped because its queue was full

	deadlineMu    sync.Mutex
	readDeadline  time.Time
	writeDeadline time.Time
	deadlineMoved chan struct{} // closed (and replaced) when the read deadline changes

	wmu sync.Mutex
	wsa unix.RawSockaddrInet6 // the destination of the write in progress
}

// pionQueue is how many datagrams for Pion wait at most: ICE checks, the DTLS
// handshake's flights and the server's sender reports come a few at a time.
const pionQueue = 64

// pionDatagram is one datagram for Pion, copied out of the loop's batch.
type pionDatagram struct {
	b    [recvBufSize]byte
	n    int
	from netip.AddrPort
}

var pionDatagrams = sync.Pool{New: func() any { return new(pionDatagram) }}

// listenPolled opens a non-blocking UDP socket on laddr, with the big receive
// buffer every participant gets, and starts the loop reading it.
func listenPolled(network string, laddr *net.UDPAddr, loop *pollLoop, recv *lightReceiver) (*polledConn, error) {
	family := unix.AF_INET6
	if network == "udp4" || (network == "udp" && (laddr == nil || laddr.IP == nil || laddr.IP.To4() != nil)) {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("light subscriber socket: %w", err)
	}
	fail := func(what string, err error) (*polledConn, error) {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("light subscriber socket: %s: %w", what, err)
	}
	// A refused size leaves the default, which only makes the generator lossier.
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, clientReadBuffer)
	var sa unix.Sockaddr
	if family == unix.AF_INET {
		a := &unix.SockaddrInet4{}
		if laddr != nil {
			a.Port = laddr.Port
			if ip4 := laddr.IP.To4(); ip4 != nil {
				a.Addr = [4]byte(ip4)
			}
		}
		sa = a
	} else {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			return fail("IPV6_V6ONLY", err)
		}
		a := &unix.SockaddrInet6{}
		if laddr != nil {
			a.Port = laddr.Port
			if ip16 := laddr.IP.To16(); ip16 != nil {
				a.Addr = [16]byte(ip16)
			}
		}
		sa = a
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	c := &polledConn{
		fd:            fd,
		family:        family,
		recv:          recv,
		loop:          loop,
		batch:         newRecvBatch(),
		toPion:        make(chan *pionDatagram, pionQueue),
		closing:       make(chan struct{}),
		deadlineMoved: make(chan struct{}),
	}
	switch a := bound.(type) {
	case *unix.SockaddrInet4:
		c.local = &net.UDPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	case *unix.SockaddrInet6:
		c.local = &net.UDPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	}
	if err := loop.add(c); err != nil {
		_ = unix.Close(fd)
		return nil, err
	}
	return c, nil
}

// readReady is called by the loop when the socket has datagrams: one recvmmsg,
// media to the receiver, the rest to Pion's queue. It allocates nothing for
// media.
func (c *polledConn) readReady(now time.Time) {
	rb := c.batch
	if errno := rb.read(c.fd); errno != 0 {
		return // EAGAIN: taken by an earlier round; anything else: the socket is closing
	}
	for {
		d, from, ok := rb.take()
		if !ok {
			return
		}
		if c.recv.onDatagram(d, now) {
			continue
		}
		pd := pionDatagrams.Get().(*pionDatagram)
		pd.n, pd.from = copy(pd.b[:], d), from
		select {
		case c.toPion <- pd:
		default:
			// Pion's reader is that far behind: drop, as a full socket would.
			c.dropped.Add(1)
			pionDatagrams.Put(pd)
		}
	}
}

// ReadFromAddrPort returns the next datagram that is not SRTP media.
func (c *polledConn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	for {
		c.deadlineMu.Lock()
		deadline, moved := c.readDeadline, c.deadlineMoved
		c.deadlineMu.Unlock()
		var timer *time.Timer
		var expired <-chan time.Time
		if !deadline.IsZero() {
			wait := time.Until(deadline)
			if wait <= 0 {
				return 0, netip.AddrPort{}, c.opError("read", os.ErrDeadlineExceeded)
			}
			timer = time.NewTimer(wait)
			expired = timer.C
		}
		var pd *pionDatagram
		select {
		case pd = <-c.toPion:
		case <-c.closing:
		case <-moved:
		case <-expired:
		}
		if timer != nil {
			timer.Stop()
		}
		if pd != nil {
			n, from := copy(b, pd.b[:pd.n]), pd.from
			pionDatagrams.Put(pd)
			return n, from, nil
		}
		select {
		case <-c.closing:
			return 0, netip.AddrPort{}, c.opError("read", net.ErrClosed)
		default: // the deadline moved or passed: look at it again
		}
	}
}

// WriteToAddrPort sends one datagram to addr.
func (c *polledConn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.fd < 0 {
		return 0, c.opError("write", net.ErrClosed)
	}
	salen, ok := c.setDestination(addr)
	if !ok {
		return 0, c.opError("write", fmt.Errorf("address %v is not of the socket's family", addr))
	}
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	for {
		// The raw call: the socket is non-blocking, so the call cannot block,
		// and a scheduler hand-off around each one (a feedback packet every
		// 100 ms per subscriber) kept sysmon waking every 20 µs.
		_, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(c.fd), uintptr(p), uintptr(len(b)), 0,
			uintptr(unsafe.Pointer(&c.wsa)), uintptr(salen))
		switch errno {
		case 0:
			return len(b), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			// The send buffer is full (rare on loopback): wait for room, up to
			// the write deadline.
			if err := c.waitWritable(); err != nil {
				return 0, err
			}
			continue
		}
		return 0, c.opError("write", errno)
	}
}

// setDestination puts addr in c.wsa as the socket's family wants it and returns
// its length; false for an IPv6 address on an IPv4 socket or one not valid.
func (c *polledConn) setDestination(addr netip.AddrPort) (uint32, bool) {
	c.wsa = unix.RawSockaddrInet6{}
	ip := addr.Addr()
	if c.family == unix.AF_INET {
		ip = ip.Unmap()
		if !ip.Is4() {
			return 0, false
		}
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&c.wsa))
		sa4.Family = unix.AF_INET
		sa4.Port = networkOrder(addr.Port())
		sa4.Addr = ip.As4()
		return unix.SizeofSockaddrInet4, true
	}
	if !ip.IsValid() {
		return 0, false
	}
	c.wsa.Family = unix.AF_INET6
	c.wsa.Port = networkOrder(addr.Port())
	c.wsa.Addr = ip.As16()
	return unix.SizeofSockaddrInet6, true
}

// waitWritable waits (in 100 ms steps, so that a close is noticed) until the
// socket takes a datagram again or the write deadline passes. Called with wmu
// held.
func (c *polledConn) waitWritable() error {
	for {
		select {
		case <-c.closing:
			return c.opError("write", net.ErrClosed)
		default:
		}
		c.deadlineMu.Lock()
		deadline := c.writeDeadline
		c.deadlineMu.Unlock()
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return c.opError("write", os.ErrDeadlineExceeded)
		}
		fds := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLOUT}}
		n, err := unix.Poll(fds, 100)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return c.opError("write", err)
		}
		if n > 0 {
			return nil
		}
	}
}

// Close stops the loop reading the socket, then closes it; a blocked read
// returns net.ErrClosed.
func (c *polledConn) Close() error {
	c.once.Do(func() {
		close(c.closing)
		c.loop.remove(c)
		c.wmu.Lock()
		_ = unix.Close(c.fd)
		c.fd = -1
		c.wmu.Unlock()
		if n := c.dropped.Load(); n > 0 {
			slog.Warn("loadtest: a light subscriber's socket dropped datagrams Pion did not read in time",
				"local", c.local, "dropped", n)
		}
	})
	return nil
}

func (c *polledConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "udp", Source: c.local, Err: err}
}

// SetReadDeadline applies to reads in progress too, as net.Conn's does: Pion's
// ICE agent sets one to unblock its reader when it closes a candidate.
func (c *polledConn) SetReadDeadline(t time.Time) error {
	c.deadlineMu.Lock()
	c.readDeadline = t
	close(c.deadlineMoved)
	c.deadlineMoved = make(chan struct{})
	c.deadlineMu.Unlock()
	return nil
}

// SetWriteDeadline bounds the wait for room in a full send buffer.
func (c *polledConn) SetWriteDeadline(t time.Time) error {
	c.deadlineMu.Lock()
	c.writeDeadline = t
	c.deadlineMu.Unlock()
	return nil
}

// SetDeadline sets both deadlines.
func (c *polledConn) SetDeadline(t time.Time) error {
	_ = c.SetWriteDeadline(t)
	return c.SetReadDeadline(t)
}

// The rest of transport.UDPConn, in terms of the above.

func (c *polledConn) LocalAddr() net.Addr  { return c.local }
func (c *polledConn) RemoteAddr() net.Addr { return nil }

func (c *polledConn) SetReadBuffer(bytes int) error {
	return c.setsockopt(unix.SO_RCVBUF, bytes)
}

func (c *polledConn) SetWriteBuffer(bytes int) error {
	return c.setsockopt(unix.SO_SNDBUF, bytes)
}

func (c *polledConn) setsockopt(opt, value int) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.fd < 0 {
		return c.opError("set", net.ErrClosed)
	}
	if err := unix.SetsockoptInt(c.fd, unix.SOL_SOCKET, opt, value); err != nil {
		return c.opError("set", err)
	}
	return nil
}

func (c *polledConn) ReadFrom(b []byte) (int, net.Addr, error) {
	return c.ReadFromUDP(b)
}

func (c *polledConn) ReadFromUDP(b []byte) (int, *net.UDPAddr, error) {
	n, from, err := c.ReadFromAddrPort(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

func (c *polledConn) ReadMsgUDP(b, _ []byte) (n, oobn, flags int, addr *net.UDPAddr, err error) {
	n, addr, err = c.ReadFromUDP(b)
	return n, 0, 0, addr, err
}

func (c *polledConn) Read(b []byte) (int, error) {
	n, _, err := c.ReadFromAddrPort(b)
	return n, err
}

func (c *polledConn) Write([]byte) (int, error) {
	return 0, c.opError("write", errors.New("socket not connected: use WriteTo"))
}

func (c *polledConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, c.opError("write", fmt.Errorf("address %v is not UDP", addr))
	}
	return c.WriteToUDP(b, ua)
}

func (c *polledConn) WriteToUDP(b []byte, addr *net.UDPAddr) (int, error) {
	return c.WriteToAddrPort(b, addr.AddrPort())
}

func (c *polledConn) WriteMsgUDP(b, oob []byte, addr *net.UDPAddr) (n, oobn int, err error) {
	if len(oob) > 0 {
		return 0, 0, c.opError("write", errors.New("out-of-band data not supported"))
	}
	n, err = c.WriteToUDP(b, addr)
	return n, 0, err
}
