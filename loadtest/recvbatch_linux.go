//go:build linux

package loadtest

import (
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sysBatch is the recvmmsg state of a recvBatch: the message headers point into
// the batch's own buffers, so a read allocates nothing.
type sysBatch struct {
	hdrs  [recvBatchSize]unix.Mmsghdr
	iovs  [recvBatchSize]unix.Iovec
	names [recvBatchSize]unix.RawSockaddrInet6 // room for either family
}

func newRecvBatch() *recvBatch {
	rb := &recvBatch{}
	s := &rb.sys
	for i := range s.hdrs {
		s.iovs[i].Base = &rb.bufs[i][0]
		s.iovs[i].SetLen(recvBufSize)
		s.hdrs[i].Hdr.Iov = &s.iovs[i]
		s.hdrs[i].Hdr.SetIovlen(1)
		s.hdrs[i].Hdr.Name = (*byte)(unsafe.Pointer(&s.names[i]))
	}
	return rb
}

// read replaces the batch with the datagrams queued on the non-blocking socket
// fd, up to recvBatchSize in one recvmmsg. EAGAIN (nothing queued) leaves the
// batch empty; so does any other error, which it returns.
func (rb *recvBatch) read(fd int) syscall.Errno {
	s := &rb.sys
	for i := range s.hdrs {
		s.hdrs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
		s.hdrs[i].Hdr.Flags = 0
		s.hdrs[i].Len = 0
	}
	rb.n, rb.next = 0, 0
	for {
		// MSG_DONTWAIT never blocks, so the raw call (no scheduler hand-off)
		// suffices.
		n, _, errno := unix.RawSyscall6(unix.SYS_RECVMMSG, uintptr(fd), uintptr(unsafe.Pointer(&s.hdrs[0])),
			recvBatchSize, unix.MSG_DONTWAIT, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return errno
		}
		for i := range int(n) {
			rb.lens[i] = int(s.hdrs[i].Len)
			rb.addrs[i] = sockaddrAddrPort(&s.names[i])
		}
		rb.n = int(n)
		return 0
	}
}

// sockaddrAddrPort reads a kernel socket address (port in network order).
func sockaddrAddrPort(sa *unix.RawSockaddrInet6) netip.AddrPort {
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), networkOrder(sa4.Port))
	case unix.AF_INET6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), networkOrder(sa.Port))
	}
	return netip.AddrPort{}
}

// networkOrder swaps a port between the kernel's byte order and the host's
// (a no-op only on big-endian machines, which is what reading the bytes gives).
func networkOrder(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}
