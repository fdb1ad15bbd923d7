package sip

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
)

// listenUDPAndTCP opens SIP's UDP socket on host:port and, with tcp, a TCP
// listener on the same port, as SIP clients expect. With port 0 the system
// picks the UDP port, whose TCP twin may be taken: then another pick, a few
// times.
func listenUDPAndTCP(host, port string, tcp bool) (net.PacketConn, net.Listener, error) {
	const picks = 10
	for try := 1; ; try++ {
		udp, err := net.ListenPacket("udp", net.JoinHostPort(host, port))
		if err != nil {
			return nil, nil, fmt.Errorf("sip: listen udp %s: %w", net.JoinHostPort(host, port), err)
		}
		if !tcp {
			return udp, nil, nil
		}
		picked := udp.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(picked)))
		if err == nil {
			return udp, l, nil
		}
		_ = udp.Close()
		if port != "0" || try == picks || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, fmt.Errorf("sip: listen tcp %s port %d: %w", host, picked, err)
		}
	}
}
