//go:build linux

package loadtest

import (
	"net"

	"github.com/pion/transport/v5"
)

func (n *lightNet) listenLight(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	return listenPolled(network, laddr, n.poll.loop(), n.recv)
}
