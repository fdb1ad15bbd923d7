package sip

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"
)

// answer is what a phone answers to d's challenge with user and password.
func answer(t *testing.T, d *digestAuth, user, password string) string {
	t.Helper()
	chal, err := digest.ParseChallenge(d.challenge(false))
	if err != nil {
		t.Fatal(err)
	}
	return answerWith(t, chal, user, password, 1)
}

// answerWith answers chal with nonce-count nc.
func answerWith(t *testing.T, chal *digest.Challenge, user, password string, nc int) string {
	t.Helper()
	cred, err := digest.Digest(chal, digest.Options{Method: "INVITE", URI: "sip:1234567890@sip.test", Username: user, Password: password, Count: nc})
	if err != nil {
		t.Fatal(err)
	}
	return cred.String()
}

// A nonce-count is taken once per nonce: the same Authorization sent again
// (a replay) gets a new stale challenge, a higher count on the same nonce
// passes, a lower one does not; without qop (no count) the nonce is taken
// once.
func TestDigestNonceCountReplay(t *testing.T) {
	d := newDigestAuth("sip.test")
	trunks := []Trunk{{Name: "phones", User: "alice", Password: "s3cret", RequireAuth: true}}
	chal, err := digest.ParseChallenge(d.challenge(false))
	if err != nil {
		t.Fatal(err)
	}
	first := answerWith(t, chal, "alice", "s3cret", 1)
	if _, err := d.authenticate("INVITE", []string{first}, trunks); err != nil {
		t.Fatalf("first use: %v", err)
	}
	var ch *errChallenge
	if _, err := d.authenticate("INVITE", []string{first}, trunks); !errors.As(err, &ch) || !ch.stale || !strings.Contains(ch.reason, "replay") {
		t.Fatalf("replayed Authorization: %v, want a stale challenge for a replay", err)
	}
	if _, err := d.authenticate("INVITE", []string{answerWith(t, chal, "alice", "s3cret", 3)}, trunks); err != nil {
		t.Fatalf("nc 3 on the same nonce: %v", err)
	}
	if _, err := d.authenticate("INVITE", []string{answerWith(t, chal, "alice", "s3cret", 2)}, trunks); !errors.As(err, &ch) {
		t.Fatalf("nc 2 after 3: %v, want a challenge", err)
	}
	if _, err := d.authenticate("INVITE", []string{answerWith(t, chal, "alice", "guess", 4)}, trunks); !errors.Is(err, ErrForbidden) {
		t.Fatalf("wrong password with a new count: %v, want ErrForbidden", err)
	}

	noQOP, err := digest.ParseChallenge(d.challenge(false))
	if err != nil {
		t.Fatal(err)
	}
	noQOP.QOP = nil
	old := answerWith(t, noQOP, "alice", "s3cret", 0)
	if _, err := d.authenticate("INVITE", []string{old}, trunks); err != nil {
		t.Fatalf("no qop, first use: %v", err)
	}
	if _, err := d.authenticate("INVITE", []string{old}, trunks); !errors.As(err, &ch) {
		t.Fatalf("no qop, second use: %v, want a challenge", err)
	}
}

// The remembered nonces stay within maxTrackedNonces: expired ones go first;
// when all are valid the soonest to expire are forgotten (down to three
// quarters) and from then on taken as stale, never as new.
func TestNonceCountsBounded(t *testing.T) {
	var n nonceCounts
	now := int64(1000)
	for i := range maxTrackedNonces {
		if !n.use(fmt.Sprint("old", i), 1, now+1, now) {
			t.Fatalf("nonce %d refused", i)
		}
	}
	now += 10 // all of them expired
	if !n.use("fresh", 1, now+300, now) || len(n.last) != 1 {
		t.Fatalf("%d nonces tracked after the expired went, want 1", len(n.last))
	}
	for i := range maxTrackedNonces - 1 {
		n.use(fmt.Sprint("valid", i), 1, now+100+int64(i), now)
	}
	if !n.use("newest", 1, now+100000, now) {
		t.Fatal("a new nonce refused when full")
	}
	if len(n.last) > maxTrackedNonces*3/4+1 {
		t.Fatalf("%d nonces tracked after a prune, want at most %d", len(n.last), maxTrackedNonces*3/4+1)
	}
	if n.use("valid0", 2, now+100, now) {
		t.Fatal("a forgotten nonce was taken as new")
	}
	if !n.use("newest", 2, now+100000, now) {
		t.Fatal("a remembered nonce with a higher count was refused")
	}
}

// Right credentials pass while the nonce is valid; once it expired they earn a
// stale challenge, and a nonce of another bridge a fresh one.
func TestDigestNonceExpiry(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	d := newDigestAuth("sip.test")
	d.now = func() time.Time { return now }
	trunks := []Trunk{{Name: "phones", User: "alice", Password: "s3cret", RequireAuth: true}}
	auth := answer(t, d, "alice", "s3cret")
	if tr, err := d.authenticate("INVITE", []string{auth}, trunks); err != nil || tr.Name != "phones" {
		t.Fatalf("fresh nonce: %v, %v", tr, err)
	}
	now = now.Add(nonceLifetime + time.Second)
	var ch *errChallenge
	if _, err := d.authenticate("INVITE", []string{auth}, trunks); !errors.As(err, &ch) || !ch.stale {
		t.Fatalf("expired nonce: %v, want a stale challenge", err)
	}
	if _, err := d.authenticate("INVITE", []string{answer(t, d, "alice", "guess")}, trunks); !errors.Is(err, ErrForbidden) {
		t.Fatalf("wrong password: %v, want ErrForbidden", err)
	}
	other := newDigestAuth("sip.test")
	other.now = d.now
	if _, err := d.authenticate("INVITE", []string{answer(t, other, "alice", "s3cret")}, trunks); !errors.As(err, &ch) || ch.stale {
		t.Fatalf("another bridge's nonce: %v, want a fresh challenge", err)
	}
	if _, err := d.authenticate("INVITE", nil, trunks); !errors.As(err, &ch) || ch.stale {
		t.Fatalf("no credentials: %v, want a challenge", err)
	}
}

// FuzzDigestAuthorization feeds Authorization values: each is a challenge, a
// bad request or a refusal, never a pass (the fuzzer does not know the
// password), and never a panic.
func FuzzDigestAuthorization(f *testing.F) {
	f.Add(`Digest username="alice", realm="sip.test", nonce="1.2", uri="sip:1@sip.test", response="00", qop=auth, nc=00000001, cnonce="x"`)
	d := newDigestAuth("sip.test")
	trunks := []Trunk{{Name: "phones", User: "alice", Password: "s3cret", RequireAuth: true}}
	f.Fuzz(func(t *testing.T, header string) {
		_, err := d.authenticate("INVITE", []string{header}, trunks)
		var ch *errChallenge
		if err == nil {
			t.Fatalf("%q passed", header)
		}
		if !errors.As(err, &ch) && !errors.Is(err, ErrBadRequest) && !errors.Is(err, ErrForbidden) {
			t.Fatalf("untyped refusal: %v", err)
		}
	})
}
