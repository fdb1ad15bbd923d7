package httpsec

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP finds the address a request came from. Behind a reverse proxy every
// request comes from the proxy, so the X-Forwarded-For header is read, but only the
// hops appended by trusted proxies: the rightmost address that is not one of them is
// the client (anything left of it could be written by the client itself).
type ClientIP struct {
	TrustedProxies []netip.Prefix
}

// Of returns r's client address as text.
func (c ClientIP) Of(r *http.Request) string {
	peer, err := peerAddr(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	if !c.trusted(peer) {
		// In its canonical form: one address is one key of the per-address limits,
		// however it was written ("0::" and "::", a mapped IPv4 and the IPv4).
		return peer.Unmap().String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: stop at the last address we could trust
		}
		if !c.trusted(a) {
			return a.Unmap().String()
		}
		peer = a
	}
	return peer.Unmap().String()
}

func (c ClientIP) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range c.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr reads the address of RemoteAddr ("ip:port", "[ipv6%zone]:port", or a bare
// address), with the same parser as the rest of the package (netip), so that one
// string has one reading (FuzzClientIP found "[::%]]:0", which net.SplitHostPort
// refuses and netip reads as :: in zone "]").
func peerAddr(remote string) (netip.Addr, error) {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr(), nil
	}
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	return netip.ParseAddr(host)
}
