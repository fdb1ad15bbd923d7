package turnrelay

import (
	"crypto/sha1" //nolint:gosec // TURN REST credentials are HMAC-SHA1 by convention (RFC 8489 long-term credentials)
	"errors"
	"net"
	"strconv"

	"github.com/pion/turn/v5"
)

var sha1New = sha1.New

// errRelayRefused: a TCP relay (RFC 6062) was asked for; only UDP relays to the
// media engine exist.
var errRelayRefused = errors.New("turnrelay: only UDP relays to this server's media are offered")

// mediaOnlyRelay allocates UDP relay sockets whose writes reach only the media
// engine: a relayed packet to any other address is dropped, whatever permission the
// client created.
type mediaOnlyRelay struct {
	ip      net.IP
	allowed func(*net.UDPAddr) bool
}

func (g *mediaOnlyRelay) Validate() error {
	if g.ip == nil || g.allowed == nil {
		return errors.New("turnrelay: relay generator without address or filter")
	}
	return nil
}

func (g *mediaOnlyRelay) AllocatePacketConn(conf turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	pc, err := net.ListenPacket(conf.Network, net.JoinHostPort(g.ip.String(), strconv.Itoa(conf.RequestedPort)))
	if err != nil {
		return nil, nil, err
	}
	return &mediaOnlyConn{PacketConn: pc, allowed: g.allowed}, pc.LocalAddr(), nil
}

func (g *mediaOnlyRelay) AllocateListener(turn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, errRelayRefused
}

func (g *mediaOnlyRelay) AllocateConn(turn.AllocateConnConfig) (net.Conn, error) {
	return nil, errRelayRefused
}

// mediaOnlyConn is a relay socket that sends only to allowed addresses and drops
// what comes from elsewhere.
type mediaOnlyConn struct {
	net.PacketConn
	allowed func(*net.UDPAddr) bool
}

func (c *mediaOnlyConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if ua, ok := addr.(*net.UDPAddr); !ok || !c.allowed(ua) {
		return len(p), nil // dropped, as a firewall would: the client learns nothing
	}
	return c.PacketConn.WriteTo(p, addr)
}

func (c *mediaOnlyConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil {
			return n, addr, err
		}
		if ua, ok := addr.(*net.UDPAddr); ok && c.allowed(ua) {
			return n, addr, nil
		}
	}
}

// mediaFilter is the set of media addresses relays may reach.
type mediaFilter struct {
	ips  []net.IP
	port func(int) bool
}

func (m mediaFilter) hasIP(ip net.IP) bool {
	for _, a := range m.ips {
		if a.Equal(ip) {
			return true
		}
	}
	return false
}

func (m mediaFilter) allows(addr *net.UDPAddr) bool { return m.hasIP(addr.IP) && m.port(addr.Port) }
