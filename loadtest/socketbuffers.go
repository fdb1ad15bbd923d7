package loadtest

import (
	"fmt"
	"net"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
	"github.com/pion/webrtc/v4"
)

// clientReadBuffer is the receive buffer asked for each simulated participant's UDP
// socket. The default (about 200 KiB) overflows in the kernel whenever the load
// generator's reader goroutines are not scheduled for a few milliseconds — a
// key frame to 100 subscribers is over a megabyte — and the drops then count as
// server loss, and the server's NACK answers add to its CPU figure. Linux caps
// the size at net.core.rmem_max (4 MiB on the dev box).
const clientReadBuffer = 4 << 20

// bigBufferNet is the standard network with larger UDP receive buffers.
type bigBufferNet struct {
	*stdnet.Net
}

func newBigBufferNet() (*bigBufferNet, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	return &bigBufferNet{n}, nil
}

// ListenUDP opens the socket and enlarges its receive buffer; a refused size
// leaves the default, which only makes the generator lossier under load.
func (n *bigBufferNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	if uc, ok := c.(*net.UDPConn); ok {
		_ = uc.SetReadBuffer(clientReadBuffer)
	}
	return c, nil
}

// settingEngineWith returns the client option's SettingEngine adjustment that
// routes a participant's sockets through n.
func settingEngineWith(n transport.Net) func(*webrtc.SettingEngine) {
	return func(se *webrtc.SettingEngine) { se.SetNet(n) }
}
