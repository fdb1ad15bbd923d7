//go:build linux

package loadtest

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"
)

// polledPair is a polled light socket and a plain socket that talks to it.
type polledPair struct {
	poll *lightPoll
	path *lightPath
	conn *polledConn
	peer *net.UDPConn
	to   netip.AddrPort // the polled socket's address
}

func newPolledPair(t *testing.T) *polledPair {
	t.Helper()
	poll, err := newLightPoll()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(poll.close)
	path := newLightPath(t, false)
	c, err := listenPolled("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, poll.loop(), path.recv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = peer.Close() })
	return &polledPair{poll: poll, path: path, conn: c, peer: peer, to: c.LocalAddr().(*net.UDPAddr).AddrPort()}
}

func (pp *polledPair) send(t *testing.T, b []byte) {
	t.Helper()
	if _, err := pp.peer.WriteToUDPAddrPort(b, pp.to); err != nil {
		t.Fatal(err)
	}
}

func TestPolledSocketKeepsMediaAndPassesTheRestToPion(t *testing.T) {
	pp := newPolledPair(t)
	stun := []byte{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	dtls := []byte{22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	srtcp := []byte{0x80, 200, 0, 6, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0, 0, 0, 0, 0}
	// Media first: if the loop handed it to Pion, the first read would return it.
	for range 3 {
		pp.path.n++
		pp.send(t, pp.path.pkt)
	}
	want := [][]byte{stun, dtls, srtcp}
	for _, b := range want {
		pp.send(t, b)
	}
	buf := make([]byte, recvBufSize)
	_ = pp.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i, w := range want {
		n, from, err := pp.conn.ReadFromAddrPort(buf)
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if string(buf[:n]) != string(w) {
			t.Errorf("read %d: got % x, want % x", i, buf[:n], w)
		}
		if from != pp.peer.LocalAddr().(*net.UDPAddr).AddrPort() {
			t.Errorf("read %d: from %v, want %v", i, from, pp.peer.LocalAddr())
		}
	}
	if got := pp.path.recv.media.Load(); got != 3 {
		t.Errorf("receiver took %d media datagrams, want 3", got)
	}

	// Writes reach the peer, with the polled socket's address.
	if _, err := pp.conn.WriteToAddrPort([]byte("feedback"), pp.peer.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	_ = pp.peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, from, err := pp.peer.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:n]) != "feedback" || from != pp.to {
		t.Errorf("peer read %q from %v (%v), want \"feedback\" from %v", buf[:n], from, err, pp.to)
	}
	if _, err := pp.conn.WriteToAddrPort([]byte("x"), netip.MustParseAddrPort("[::1]:9")); err == nil {
		t.Error("an IPv6 destination on an IPv4 socket was accepted")
	}
}

func TestPolledSocketReadHonoursDeadlinesAndClose(t *testing.T) {
	pp := newPolledPair(t)
	buf := make([]byte, recvBufSize)

	_ = pp.conn.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, _, err := pp.conn.ReadFromAddrPort(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past its deadline: %v, want os.ErrDeadlineExceeded", err)
	}

	// A deadline set while a read waits wakes it: Pion's ICE agent unblocks its
	// reader that way before closing the socket.
	_ = pp.conn.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() { _, _, err := pp.conn.ReadFromAddrPort(buf); done <- err }()
	_ = pp.conn.SetDeadline(time.Now())
	if err := <-done; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read woken by a deadline: %v, want os.ErrDeadlineExceeded", err)
	}

	// Close wakes a waiting read, and the loop no longer reads the socket.
	_ = pp.conn.SetDeadline(time.Time{})
	go func() { _, _, err := pp.conn.ReadFromAddrPort(make([]byte, recvBufSize)); done <- err }()
	if err := pp.conn.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read woken by close: %v, want net.ErrClosed", err)
	}
	if _, err := pp.conn.WriteToAddrPort([]byte("x"), pp.to); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after close: %v, want net.ErrClosed", err)
	}
	l := pp.conn.loop
	l.mu.Lock()
	defer l.mu.Unlock()
	for fd, c := range l.conns {
		if c == pp.conn {
			t.Errorf("closed socket still read by the loop (fd %d)", fd)
		}
	}
}

// A media datagram read from the socket and taken by the receiver costs no
// allocation (the loop's own read, done here by the test).
func TestPolledSocketMediaAllocatesNothing(t *testing.T) {
	pp := newPolledPair(t)
	pp.conn.loop.remove(pp.conn) // the test reads, not the loop
	before := pp.path.recv.media.Load()
	allocs := testing.AllocsPerRun(200, func() {
		pp.path.n++
		pp.send(t, pp.path.pkt)
		pp.conn.readReady(time.Now())
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per media datagram, want 0", allocs)
	}
	if got := pp.path.recv.media.Load() - before; got != 201 {
		t.Errorf("receiver took %d media datagrams, want 201", got)
	}
}
