package loadtest

import (
	"net"

	"github.com/pion/transport/v5"
)

// lightNet gives a light subscriber sockets that pass each received SRTP media
// datagram to its lightReceiver instead of to Pion.
//
// Why at the socket: Pion's ICE agent reads every datagram of a host candidate
// from the transport.Net socket (ReadFromAddrPort when the socket offers it,
// else ReadFrom) and hands it to the DTLS/SRTP mux; a datagram kept back here
// never costs a decryption, an interceptor pass or a buffer copy, and STUN, DTLS
// and SRTCP — every datagram that is not SRTP media — still reach Pion unchanged,
// so ICE, the handshake and the RTCP path stay Pion's own. On Linux the sockets
// are read by the run's lightPoll (a few goroutines for all of them); elsewhere
// each by its own goroutine (lightconn_other.go).
type lightNet struct {
	*bigBufferNet
	recv *lightReceiver
	poll *lightPoll
}

// ListenUDP opens a light socket.
func (n *lightNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	return n.listenLight(network, laddr)
}
