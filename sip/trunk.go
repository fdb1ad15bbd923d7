package sip

import (
	"fmt"
	"net/netip"
)

// Trunk is a party allowed to call the bridge: a PBX or carrier known by its
// addresses, or a caller known by its digest credentials.
type Trunk struct {
	// Name names the trunk in logs.
	Name string
	// Allow are the networks its INVITEs may come from; empty means any
	// address, which then needs RequireAuth.
	Allow []netip.Prefix
	// User and Password are its digest credentials (realm: Config.Domain).
	User, Password string
	// RequireAuth makes its calls answer a digest challenge (401) first.
	RequireAuth bool
	// RequireSRTP refuses its calls whose offer has no SRTP (488), over any
	// transport (over TLS every call must offer it).
	RequireSRTP bool
}

func (t Trunk) validate() error {
	if t.Name == "" {
		return fmt.Errorf("%w: a trunk without a name", ErrConfig)
	}
	if t.RequireAuth && (t.User == "" || t.Password == "") {
		return fmt.Errorf("%w: trunk %q requires authentication but has no user and password", ErrConfig, t.Name)
	}
	if !t.RequireAuth && (t.User != "" || t.Password != "") {
		return fmt.Errorf("%w: trunk %q has credentials it never asks for (RequireAuth is off)", ErrConfig, t.Name)
	}
	if len(t.Allow) == 0 && !t.RequireAuth {
		return fmt.Errorf("%w: trunk %q allows every address without authentication", ErrConfig, t.Name)
	}
	for _, p := range t.Allow {
		if !p.IsValid() {
			return fmt.Errorf("%w: trunk %q has an invalid network", ErrConfig, t.Name)
		}
	}
	return nil
}

// allows reports whether an INVITE from addr may be this trunk's.
func (t Trunk) allows(addr netip.Addr) bool {
	if len(t.Allow) == 0 {
		return true
	}
	addr = addr.Unmap()
	for _, p := range t.Allow {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// trunksFrom are the trunks an INVITE from addr may belong to, in the order
// configured.
func trunksFrom(trunks []Trunk, addr netip.Addr) []Trunk {
	var out []Trunk
	for _, t := range trunks {
		if t.allows(addr) {
			out = append(out, t)
		}
	}
	return out
}
