package loadtest

import "net/netip"

// recvBatchSize is how many datagrams one read of a light subscriber's socket
// takes at most (one recvmmsg on Linux). The server sends a video frame as a
// burst of packets, and a busy generator finds several queued: each taken in
// one system call and one goroutine wake-up instead of one each.
const recvBatchSize = 8

// recvBufSize holds any datagram of a loopback or Ethernet path.
const recvBufSize = 2048

// recvBatch holds the datagrams of the last read of one socket and hands them
// out one by one. Its buffers are allocated once, with the socket.
type recvBatch struct {
	bufs  [recvBatchSize][recvBufSize]byte
	lens  [recvBatchSize]int
	addrs [recvBatchSize]netip.AddrPort
	n     int // datagrams in the batch
	next  int // the next one to hand out
	sys   sysBatch
}

// take returns the next datagram of the batch and its sender; false when the
// batch is used up.
func (rb *recvBatch) take() ([]byte, netip.AddrPort, bool) {
	if rb.next >= rb.n {
		return nil, netip.AddrPort{}, false
	}
	i := rb.next
	rb.next++
	return rb.bufs[i][:rb.lens[i]], rb.addrs[i], true
}
