package udpbatch

import (
	"fmt"
	"net"
	"runtime"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// rawSender calls sendmmsg as a raw system call, one the Go scheduler does
// not see. A flush of a large batch spends up to a millisecond in the kernel
// (on loopback the receivers' delivery with it); a call the scheduler sees
// that long makes its monitor (sysmon) take the thread's P and hand it to
// another thread, and then poll every 20 µs. On a server pinned to one core
// (1 → 150) the monitor took 7 % of the time and thread switches 9.5 %; with
// the raw call 3.3 % and 4.8 %, and the cost per packet fell by a sixth
// (BENCHMARKS.md). The price: the flusher keeps its P for the call, as a
// goroutine computing that long would, and a stop-the-world waits for it.
// The socket is non-blocking, so the call never waits for room: a full send
// buffer (EAGAIN) waits in the poller, as any write does.
type rawSender struct {
	raw   syscall.RawConn
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6 // room for either family's address

	// The call in progress, kept here with the function that makes it, so
	// that a send allocates nothing: a closure made per call would escape
	// to the heap through syscall.RawConn.Write, with what it captures.
	// Only the flusher sends.
	count int           // messages in hdrs to send
	sent  int           // what the kernel took
	errno syscall.Errno // its error
	call  func(fd uintptr) bool

	// waits counts the calls that found the socket's send buffer full
	// (EAGAIN) and waited in the poller for room.
	waits atomic.Uint64
}

func newRawSender(uc *net.UDPConn, size int) (*rawSender, error) {
	raw, err := uc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("udpbatch: raw socket: %w", err)
	}
	s := &rawSender{raw: raw, hdrs: make([]unix.Mmsghdr, size), iovs: make([]unix.Iovec, size), names: make([]unix.RawSockaddrInet6, size)}
	s.call = s.sendmmsg
	return s, nil
}

func (s *rawSender) sendmmsg(fd uintptr) bool {
	for {
		r, _, e := unix.RawSyscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&s.hdrs[0])), uintptr(s.count), 0, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			s.waits.Add(1)
			return false // wait until the socket can take more
		}
		s.sent, s.errno = int(r), e
		return true
	}
}

// send hands msgs (at most the size the sender was made for, as many
// buffers in all) to one sendmmsg and returns how many the kernel took. As
// sendmmsg, it fails only when the first message fails.
func (s *rawSender) send(msgs []ipv4.Message) (int, error) {
	v := 0
	for i := range msgs {
		m := &msgs[i]
		h := &s.hdrs[i].Hdr
		*h = unix.Msghdr{}
		ua, ok := m.Addr.(*net.UDPAddr)
		if !ok {
			return 0, fmt.Errorf("%w: %T", ErrNotUDPAddr, m.Addr)
		}
		h.Name, h.Namelen = s.putName(i, ua)
		start := v
		for _, b := range m.Buffers {
			s.iovs[v] = unix.Iovec{Base: unsafe.SliceData(b)}
			s.iovs[v].SetLen(len(b))
			v++
		}
		h.Iov = &s.iovs[start]
		h.SetIovlen(v - start)
		if len(m.OOB) > 0 {
			h.Control = &m.OOB[0]
			h.SetControllen(len(m.OOB))
		}
	}
	s.count = len(msgs)
	err := s.raw.Write(s.call)
	runtime.KeepAlive(msgs)
	if err != nil {
		return 0, err
	}
	if s.errno != 0 {
		return 0, s.errno
	}
	return s.sent, nil
}

// putName writes ua as the i-th message's socket address, in the form the
// kernel wants for its family (an IPv4 address as sockaddr_in: a dual-stack
// socket takes it too).
func (s *rawSender) putName(i int, ua *net.UDPAddr) (*byte, uint32) {
	name := &s.names[i]
	if ip4 := ua.IP.To4(); ip4 != nil {
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(name))
		*sa = unix.RawSockaddrInet4{Family: unix.AF_INET}
		copy(sa.Addr[:], ip4)
		putPort(&sa.Port, ua.Port)
		return (*byte)(unsafe.Pointer(sa)), unix.SizeofSockaddrInet4
	}
	*name = unix.RawSockaddrInet6{Family: unix.AF_INET6}
	copy(name.Addr[:], ua.IP.To16())
	putPort(&name.Port, ua.Port)
	if ua.Zone != "" {
		if ifi, err := net.InterfaceByName(ua.Zone); err == nil {
			name.Scope_id = uint32(ifi.Index)
		}
	}
	return (*byte)(unsafe.Pointer(name)), unix.SizeofSockaddrInet6
}

// putPort stores port in network byte order.
func putPort(p *uint16, port int) {
	b := (*[2]byte)(unsafe.Pointer(p))
	b[0], b[1] = byte(port>>8), byte(port)
}
