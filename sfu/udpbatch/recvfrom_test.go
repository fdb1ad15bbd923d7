package udpbatch

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"
)

// A read gives the datagram and its sender's address in the forms the net
// package gives: IPv4 from an IPv4 socket; from a dual-stack socket an IPv4
// sender IPv4-mapped and an IPv6 sender as it is.
func TestReadGivesTheSendersAddress(t *testing.T) {
	c := newConn(t, Options{BatchSize: 8, FlushAfter: time.Millisecond})
	to := c.LocalAddr().(*net.UDPAddr).AddrPort()
	s := listen(t)
	t.Cleanup(func() { _ = s.Close() })
	from := s.LocalAddr().(*net.UDPAddr).AddrPort()
	expectRead(t, c, s, to, from)

	uc, err := net.ListenUDP("udp", &net.UDPAddr{})
	if err != nil {
		t.Fatal(err)
	}
	dual, err := New(uc, Options{BatchSize: 8, FlushAfter: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dual.Close() })
	port := dual.LocalAddr().(*net.UDPAddr).AddrPort().Port()
	mapped := netip.AddrPortFrom(netip.AddrFrom16(from.Addr().As16()), from.Port())
	expectRead(t, dual, s, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port), mapped)

	s6, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Logf("no IPv6 loopback (%v): IPv4 senders only", err)
		return
	}
	t.Cleanup(func() { _ = s6.Close() })
	expectRead(t, dual, s6, netip.AddrPortFrom(netip.IPv6Loopback(), port), s6.LocalAddr().(*net.UDPAddr).AddrPort())
}

// expectRead sends two datagrams from s to `to` and reads them from c, one
// with each read method, expecting them from `from`.
func expectRead(t *testing.T, c *Conn, s *net.UDPConn, to, from netip.AddrPort) {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, MaxDatagram)
	if _, err := s.WriteToUDPAddrPort(datagram(1, 700), to); err != nil {
		t.Fatal(err)
	}
	n, got, err := c.ReadFromAddrPort(buf)
	if err != nil || got != from || !bytes.Equal(buf[:n], datagram(1, 700)) {
		t.Fatalf("ReadFromAddrPort: %d bytes from %v (%v); want 700 from %v", n, got, err, from)
	}
	if _, err := s.WriteToUDPAddrPort(datagram(2, 300), to); err != nil {
		t.Fatal(err)
	}
	n, addr, err := c.ReadFrom(buf)
	if err != nil || addr.(*net.UDPAddr).AddrPort() != from || !bytes.Equal(buf[:n], datagram(2, 300)) {
		t.Fatalf("ReadFrom: %d bytes from %v (%v); want 300 from %v", n, addr, err, from)
	}
}

// A read waits for a datagram in the poller: a deadline ends it as a
// timeout (which Pion's mux reads past) and Close as a closed connection.
func TestReadEndsAtDeadlineAndClose(t *testing.T) {
	c := newConn(t, Options{BatchSize: 8, FlushAfter: time.Millisecond})
	buf := make([]byte, MaxDatagram)
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadFromAddrPort(buf); !os.IsTimeout(err) {
		t.Fatalf("read past its deadline: %v, want a timeout", err)
	}
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := c.ReadFromAddrPort(buf)
		done <- err
	}()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read across Close: %v, want net.ErrClosed", err)
	}
}

func TestReadFromAddrPortAllocatesNothing(t *testing.T) {
	c := newConn(t, Options{BatchSize: 8, FlushAfter: time.Millisecond})
	to := c.LocalAddr().(*net.UDPAddr).AddrPort()
	s := listen(t)
	t.Cleanup(func() { _ = s.Close() })
	p, buf := datagram(0, 1200), make([]byte, MaxDatagram)
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := s.WriteToUDPAddrPort(p, to); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.ReadFromAddrPort(buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per datagram sent and read, want 0", allocs)
	}
}
