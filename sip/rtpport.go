package sip

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"syscall"
)

// listenRTP opens the UDP socket of one call's audio on ip, on a port of
// [lo, hi] (any port when both are 0). It tries the range from a random start,
// even ports first (RFC 3550 puts RTP on even ports).
func listenRTP(ip netip.Addr, lo, hi int) (*net.UDPConn, error) {
	if lo == 0 && hi == 0 {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
		if err != nil {
			return nil, fmt.Errorf("sip: RTP socket: %w", err)
		}
		return c, nil
	}
	n := hi - lo + 1
	start := rand.IntN(n)
	for _, parity := range []int{0, 1} {
		for i := range n {
			port := lo + (start+i)%n
			if port%2 != parity {
				continue
			}
			c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
			if err == nil {
				return c, nil
			}
			if !errors.Is(err, syscall.EADDRINUSE) {
				return nil, fmt.Errorf("sip: RTP socket on port %d: %w", port, err)
			}
		}
	}
	return nil, fmt.Errorf("%w in %d-%d", ErrNoRTPPort, lo, hi)
}

func netipUnmap(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}
