package client

import (
	"fmt"
	"net"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// relayDialTimeout bounds the TCP connection to a TURN server (TURN over TCP or TLS).
// Pion dials it without a bound; on a network that silently drops the port, the
// kernel gives up only after about two minutes, and closing the client waits for
// that dial. Ten seconds is long for any reachable relay.
const relayDialTimeout = 10 * time.Second

// boundedDialNet is the operating system's network with TCP dials bounded by
// relayDialTimeout.
type boundedDialNet struct {
	*stdnet.Net
}

func newBoundedDialNet() (transport.Net, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, fmt.Errorf("client: network: %w", err)
	}
	return boundedDialNet{n}, nil
}

// DialTCP dials like net.DialTCP, within relayDialTimeout.
func (n boundedDialNet) DialTCP(network string, laddr, raddr *net.TCPAddr) (transport.TCPConn, error) {
	d := net.Dialer{Timeout: relayDialTimeout}
	if laddr != nil {
		d.LocalAddr = laddr
	}
	conn, err := d.Dial(network, raddr.String())
	if err != nil {
		return nil, err
	}
	tcp, ok := conn.(*net.TCPConn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("client: dial %s %s: not a TCP connection", network, raddr)
	}
	return tcp, nil
}
