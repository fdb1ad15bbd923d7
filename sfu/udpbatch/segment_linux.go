package udpbatch

import (
	"encoding/binary"
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxSegments bounds the datagrams of one UDP_SEGMENT message: the kernel
// refuses more than UDP_MAX_SEGMENTS (64 before Linux 6.x raised it).
const maxSegments = 64

// maxSegmentBytes bounds the payload of one UDP_SEGMENT message, which the
// kernel sends as a single (IPv4 or IPv6) datagram before it cuts it up.
const maxSegmentBytes = 65000

// segmentOOBSize is the room one UDP_SEGMENT control message takes.
var segmentOOBSize = unix.CmsgSpace(2)

// canSegment reports whether the kernel offers UDP generic segmentation
// offload (Linux 4.18 and later) on uc.
func canSegment(uc *net.UDPConn) bool {
	raw, err := uc.SyscallConn()
	if err != nil {
		return false
	}
	ok := false
	if err := raw.Control(func(fd uintptr) {
		_, gerr := unix.GetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_SEGMENT)
		ok = gerr == nil
	}); err != nil {
		return false
	}
	return ok
}

// putSegmentSize writes into oob (segmentOOBSize bytes) the control message
// that tells the kernel to cut a message's payload into datagrams of size
// bytes (the last may be shorter), and returns it.
func putSegmentSize(oob []byte, size int) []byte {
	oob = oob[:segmentOOBSize]
	clear(oob)
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	h.Level = unix.IPPROTO_UDP
	h.Type = unix.UDP_SEGMENT
	h.SetLen(unix.CmsgLen(2))
	binary.NativeEndian.PutUint16(oob[unix.CmsgLen(0):], uint16(size))
	return oob
}
