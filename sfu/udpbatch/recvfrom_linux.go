package udpbatch

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawReceiver calls recvfrom as a raw system call, for the same reason
// rawSender calls sendmmsg that way, seen from the other side: a system
// call the scheduler sees (entersyscall) wakes its monitor (sysmon) when the
// monitor sleeps because every P was idle, and a woken monitor polls every
// 20 µs for at least a millisecond. A server a fifth busy goes idle between
// packets and receives one soon after, so the monitor never got back to its
// long sleep: at 1 → 50 (server pinned to one core) its 20 µs sleeps and
// wake-ups were a fifth of the server's time (BENCHMARKS.md). recvfrom on a
// non-blocking socket returns at once; an empty socket (EAGAIN) waits in the
// poller as any read does, deadlines included.
type rawReceiver struct {
	raw   syscall.RawConn
	calls sync.Pool // *recvCall
}

// recvCall is the state of one read, kept with the function that reads, so
// that a read allocates nothing: a closure made per read would escape to the
// heap through syscall.RawConn.Read, and so would what it captures.
type recvCall struct {
	buf     []byte
	name    unix.RawSockaddrInet6 // room for either family's address
	namelen uint32
	n       int
	errno   syscall.Errno
	read    func(fd uintptr) bool
}

func newRawReceiver(uc *net.UDPConn) (*rawReceiver, error) {
	raw, err := uc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("udpbatch: raw socket: %w", err)
	}
	r := &rawReceiver{raw: raw}
	r.calls.New = func() any {
		c := &recvCall{}
		c.read = c.recvfrom
		return c
	}
	return r, nil
}

func (c *recvCall) recvfrom(fd uintptr) bool {
	for {
		c.namelen = unix.SizeofSockaddrInet6
		var p unsafe.Pointer
		if len(c.buf) > 0 {
			p = unsafe.Pointer(&c.buf[0])
		}
		r, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, fd, uintptr(p), uintptr(len(c.buf)), 0,
			uintptr(unsafe.Pointer(&c.name)), uintptr(unsafe.Pointer(&c.namelen)))
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false // nothing yet: wait in the poller
		}
		c.n, c.errno = int(r), e
		return true
	}
}

// readFrom reads one datagram into b.
func (r *rawReceiver) readFrom(b []byte) (int, netip.AddrPort, error) {
	c := r.calls.Get().(*recvCall)
	defer r.calls.Put(c)
	c.buf = b
	err := r.raw.Read(c.read)
	c.buf = nil
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	if c.errno != 0 {
		return 0, netip.AddrPort{}, &net.OpError{Op: "read", Net: "udp", Err: os.NewSyscallError("recvfrom", c.errno)}
	}
	return c.n, c.from(), nil
}

// from is the sender's address, in the forms the net package gives: an IPv4
// address from an IPv4 socket, IPv4-mapped from a dual-stack one.
func (c *recvCall) from() netip.AddrPort {
	switch c.name.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&c.name))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), getPort(&sa.Port))
	case unix.AF_INET6:
		ip := netip.AddrFrom16(c.name.Addr)
		if c.name.Scope_id != 0 {
			if ifi, err := net.InterfaceByIndex(int(c.name.Scope_id)); err == nil {
				ip = ip.WithZone(ifi.Name)
			}
		}
		return netip.AddrPortFrom(ip, getPort(&c.name.Port))
	}
	return netip.AddrPort{}
}

// getPort reads a port stored in network byte order.
func getPort(p *uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(p))
	return uint16(b[0])<<8 | uint16(b[1])
}
