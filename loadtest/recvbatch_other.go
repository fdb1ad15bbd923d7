//go:build !linux

package loadtest

import "net"

// sysBatch reads one datagram at a time where recvmmsg is not available.
type sysBatch struct{ c *net.UDPConn }

func newRecvBatch(c *net.UDPConn) (*recvBatch, error) {
	rb := &recvBatch{}
	rb.sys.c = c
	return rb, nil
}

// fill reads one datagram.
func (rb *recvBatch) fill() error {
	rb.n, rb.next = 0, 0
	n, addr, err := rb.sys.c.ReadFromUDPAddrPort(rb.bufs[0][:])
	if err != nil {
		return err
	}
	rb.lens[0], rb.addrs[0], rb.n = n, addr, 1
	return nil
}
