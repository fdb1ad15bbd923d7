package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenDestination: a webhook URL leads to an address webhooks may not reach
// (loopback, private, link-local, ...) and that Config.AllowedNetworks does not list.
var ErrForbiddenDestination = errors.New("webhook: destination not allowed")

// Address ranges no webhook reaches unless Config.AllowedNetworks lists them. A
// webhook URL is configuration, but whoever can change it (or the DNS answer for its
// host) could otherwise make the server POST to its own admin ports, to other
// services on the internal network, or to a cloud metadata endpoint.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10") // RFC 6598, carrier-grade NAT
var thisNetwork = netip.MustParsePrefix("0.0.0.0/8")

// internalKind says why addr is internal, or "" when it is a public unicast address.
func internalKind(addr netip.Addr) string {
	addr = addr.Unmap()
	switch {
	case addr.IsLoopback():
		return "loopback"
	case addr.IsPrivate():
		return "private"
	case addr.IsLinkLocalUnicast():
		return "link-local" // 169.254.169.254 is the metadata service of most clouds
	case addr.IsUnspecified(), thisNetwork.Contains(addr):
		return "unspecified"
	case addr.IsMulticast():
		return "multicast"
	case sharedAddressSpace.Contains(addr):
		return "shared (carrier-grade NAT)"
	}
	return ""
}

// destinationGuard decides whether an address may be dialled.
type destinationGuard struct {
	allowed []netip.Prefix
}

func (g destinationGuard) check(addr netip.Addr) error {
	kind := internalKind(addr)
	if kind == "" {
		return nil
	}
	for _, p := range g.allowed {
		if p.Contains(addr.Unmap()) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is a %s address; list its network in webhooks.allow_networks to reach it",
		ErrForbiddenDestination, addr.Unmap(), kind)
}

// control runs after name resolution, on the address actually connected to, so a
// DNS answer that changes between checks (rebinding) cannot get past it.
func (g destinationGuard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read dialled address %q: %v", ErrForbiddenDestination, address, err)
	}
	return g.check(ap.Addr())
}

// guardedClient returns a copy of base whose connections pass the guard. Proxies from
// the environment are not used: the guard would see the proxy, not the receiver.
func guardedClient(base *http.Client, g destinationGuard) *http.Client {
	client := &http.Client{}
	if base != nil {
		*client = *base
	}
	var tr *http.Transport
	if t, ok := client.Transport.(*http.Transport); ok && t != nil {
		tr = t.Clone()
	} else if client.Transport == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	if tr == nil {
		// A caller's own RoundTripper (tests, instrumentation) dials as it likes.
		return client
	}
	tr.Proxy = nil
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}
	client.Transport = tr
	return client
}

// checkLiteral refuses at start-up a URL whose host is a literal internal address:
// a configuration mistake better reported before the first event.
func (g destinationGuard) checkLiteral(host string) error {
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return nil // a name: checked when dialled
	}
	return g.check(addr)
}
