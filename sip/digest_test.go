package sip

import (
	"errors"
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
	cred, err := digest.Digest(chal, digest.Options{Method: "INVITE", URI: "sip:1234567890@sip.test", Username: user, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return cred.String()
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
