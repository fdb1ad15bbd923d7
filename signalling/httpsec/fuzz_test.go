package httpsec_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/httpsec"
)

// FuzzClientIP feeds any X-Forwarded-For and peer address: the answer is always
// an address the request really passed through (the peer or one of the hops), never
// text the client made up beyond them, and a peer that is not a trusted proxy is
// answered as itself.
func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.5:1234", "198.51.100.7")
	f.Add("10.0.0.5:1234", "6.6.6.6, 198.51.100.7, 10.0.0.9")
	f.Add("203.0.113.9:1", "198.51.100.7")
	f.Add("[fd00::1]:443", "2001:db8::1, ::ffff:10.0.0.1")
	f.Add("garbage", ",,,")
	ip := httpsec.ClientIP{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		got := ip.Of(r)
		peer, err := netip.ParseAddrPort(remote)
		if err != nil {
			return // not an address: answered as given, nothing to trust
		}
		if !peer.Addr().Unmap().Is4() && !peer.Addr().Is6() {
			return
		}
		trusted := false
		for _, p := range ip.TrustedProxies {
			if p.Contains(peer.Addr().Unmap()) {
				trusted = true
			}
		}
		if !trusted && got != peer.Addr().Unmap().String() {
			t.Fatalf("untrusted peer %s answered as %q", remote, got)
		}
		if got == "" {
			t.Fatalf("empty client address for %q / %q", remote, xff)
		}
	})
}
