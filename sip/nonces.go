package sip

import (
	"slices"
	"sync"
)

// maxTrackedNonces bounds the nonces whose counts are remembered. Only
// nonces that carried right credentials are tracked, so only trunks' own
// phones can fill it; when full, the soonest to expire are forgotten and every
// nonce expiring no later is taken as stale from then on, so that forgetting
// never opens a replay.
const maxTrackedNonces = 4096

// nonceCounts remembers, for each nonce that authenticated a request, the
// highest nonce-count (nc) used with it, so that each count is taken once
// (RFC 7616 section 3.4.5: a replayed Authorization is refused). Entries go
// when their nonce expires.
type nonceCounts struct {
	mu     sync.Mutex
	last   map[string]nonceUse
	before int64 // nonces expiring at or before this (Unix s) were forgotten: stale
}

type nonceUse struct {
	nc  int
	exp int64 // the nonce's expiry, Unix seconds
}

// use records nc for nonce (expiring at exp) and reports whether it is new:
// higher than every count seen with that nonce. A request without qop has no
// count (nc 0): its nonce is taken once. now prunes the expired entries.
func (n *nonceCounts) use(nonce string, nc int, exp, now int64) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if exp <= n.before {
		return false
	}
	if u, ok := n.last[nonce]; ok {
		if nc <= u.nc {
			return false
		}
		n.last[nonce] = nonceUse{nc: nc, exp: exp}
		return true
	}
	if n.last == nil {
		n.last = make(map[string]nonceUse)
	}
	if len(n.last) >= maxTrackedNonces {
		n.prune(now)
	}
	n.last[nonce] = nonceUse{nc: nc, exp: exp}
	return true
}

// prune drops the expired nonces, then, while still above three quarters of
// the cap, the soonest to expire (raising before past them): forgetting a
// quarter at once keeps the cost of a full table to one sort per thousand
// new nonces.
func (n *nonceCounts) prune(now int64) {
	for k, u := range n.last {
		if u.exp < now {
			delete(n.last, k)
		}
	}
	keep := maxTrackedNonces * 3 / 4
	if len(n.last) <= keep {
		return
	}
	exps := make([]int64, 0, len(n.last))
	for _, u := range n.last {
		exps = append(exps, u.exp)
	}
	slices.Sort(exps)
	cut := exps[len(exps)-keep-1] // forget every nonce expiring at or before cut
	for k, u := range n.last {
		if u.exp <= cut {
			delete(n.last, k)
		}
	}
	n.before = max(n.before, cut)
}
