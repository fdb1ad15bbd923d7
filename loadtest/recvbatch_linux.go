//go:build linux

package loadtest

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sysBatch is the recvmmsg state of a recvBatch: the message headers point into
// the batch's own buffers, so a read allocates nothing.
type sysBatch struct {
	rc    syscall.RawConn
	hdrs  [recvBatchSize]unix.Mmsghdr
	iovs  [recvBatchSize]unix.Iovec
	names [recvBatchSize]unix.RawSockaddrInet6 // room for either family
	got   int
	errno syscall.Errno
	read  func(fd uintptr) bool // rb.recvmmsg, bound once
}

func newRecvBatch(c *net.UDPConn) (*recvBatch, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("light subscriber socket: %w", err)
	}
	rb := &recvBatch{}
	s := &rb.sys
	s.rc = rc
	for i := range s.hdrs {
		s.iovs[i].Base = &rb.bufs[i][0]
		s.iovs[i].SetLen(recvBufSize)
		s.hdrs[i].Hdr.Iov = &s.iovs[i]
		s.hdrs[i].Hdr.SetIovlen(1)
		s.hdrs[i].Hdr.Name = (*byte)(unsafe.Pointer(&s.names[i]))
	}
	s.read = rb.recvmmsg
	return rb, nil
}

// fill reads the datagrams queued on the socket, at least one: it waits in Go's
// poller (the goroutine parks, the thread does not) until there is one.
func (rb *recvBatch) fill() error {
	s := &rb.sys
	for i := range s.hdrs {
		s.hdrs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
		s.hdrs[i].Hdr.Flags = 0
		s.hdrs[i].Len = 0
	}
	rb.n, rb.next, s.got, s.errno = 0, 0, 0, 0
	if err := s.rc.Read(s.read); err != nil {
		return err
	}
	if s.errno != 0 {
		return &net.OpError{Op: "recvmmsg", Net: "udp", Err: s.errno}
	}
	for i := range s.got {
		rb.lens[i] = int(s.hdrs[i].Len)
		rb.addrs[i] = sockaddrAddrPort(&s.names[i])
	}
	rb.n = s.got
	return nil
}

// recvmmsg is the RawConn.Read callback: false asks the poller to wait.
// MSG_DONTWAIT never blocks, so the raw call (no scheduler hand-off) suffices.
func (rb *recvBatch) recvmmsg(fd uintptr) bool {
	s := &rb.sys
	for {
		n, _, errno := unix.RawSyscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&s.hdrs[0])),
			recvBatchSize, unix.MSG_DONTWAIT, 0, 0)
		switch errno {
		case 0:
			s.got = int(n)
			return true
		case unix.EAGAIN:
			return false
		case unix.EINTR:
			// Try again now: the poller is edge-triggered and would not wake
			// for datagrams already queued.
			continue
		}
		s.errno = errno
		return true
	}
}

func sockaddrAddrPort(sa *unix.RawSockaddrInet6) netip.AddrPort {
	port := func(p uint16) uint16 { b := (*[2]byte)(unsafe.Pointer(&p)); return uint16(b[0])<<8 | uint16(b[1]) }
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port(sa4.Port))
	case unix.AF_INET6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), port(sa.Port))
	}
	return netip.AddrPort{}
}
