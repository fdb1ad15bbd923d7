package oidcauth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestHostRule(t *testing.T) {
	staff := HostRule{EmailDomains: []string{"staff.example"}, Groups: []string{"visio-hosts"}}
	for _, tc := range []struct {
		name string
		rule HostRule
		id   Identity
		want bool
	}{
		{"verified staff email", staff, Identity{Email: "a@STAFF.example", EmailVerified: true}, true},
		{"unverified staff email", staff, Identity{Email: "a@staff.example"}, false},
		{"subdomain is not the domain", staff, Identity{Email: "a@x.staff.example", EmailVerified: true}, false},
		{"lookalike domain", staff, Identity{Email: "a@evilstaff.example", EmailVerified: true}, false},
		{"group member", staff, Identity{Email: "a@else.example", Groups: []string{"x", "visio-hosts"}}, true},
		{"neither", staff, Identity{Email: "a@else.example", EmailVerified: true, Groups: []string{"x"}}, false},
		{"no rule: everyone", HostRule{}, Identity{Subject: "s"}, true},
	} {
		if got := tc.rule.IsHost(tc.id); got != tc.want {
			t.Errorf("%s: IsHost = %v", tc.name, got)
		}
	}
}

func TestIdentityFromClaims(t *testing.T) {
	id := identityFrom("s1", map[string]any{"email": "a@b.example", "email_verified": "true",
		"preferred_username": "ab", "roles": []any{"visio-hosts", 3}}, "roles")
	if id.Name != "ab" || !id.EmailVerified || len(id.Groups) != 1 || id.Groups[0] != "visio-hosts" {
		t.Fatalf("%+v", id)
	}
	if id := identityFrom("s2", map[string]any{"email": 7, "groups": "a b"}, "groups"); id.Email != "" || len(id.Groups) != 2 {
		t.Fatalf("%+v", id)
	}
}

func TestConfigValidation(t *testing.T) {
	c := Config{Issuer: "idp.example", RedirectURL: "https://meet.example/callback", SessionSecret: "short",
		Host: HostRule{EmailDomains: []string{"@x"}}}
	errs := c.Validate()
	text := errors.Join(errs...).Error()
	for _, want := range []string{"oidc.issuer", "oidc.client_id", "oidc.redirect_url: path must be /auth/callback", "oidc.session_secret", "oidc.host_email_domains"} {
		if !strings.Contains(text, want) {
			t.Errorf("validation %q lacks %s", text, want)
		}
	}
	if errs := (&Config{}).Validate(); len(errs) != 0 {
		t.Errorf("empty config (sign-in off) refused: %v", errs)
	}
}

// FuzzOpenSession: whatever a cookie holds, opening it never panics and anything
// accepted was signed by the key.
func FuzzOpenSession(f *testing.F) {
	a, err := New(Config{Issuer: "http://127.0.0.1:1", ClientID: "x", RedirectURL: "http://127.0.0.1:1/auth/callback",
		SessionSecret: strings.Repeat("k", 32)}, nil)
	if err != nil {
		f.Fatal(err)
	}
	// Deterministic, so that every fuzzing worker has the same one.
	good, _ := a.Seal(&Session{ID: "fixed", Subject: "s", Host: true, Expires: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
	f.Add(good)
	f.Add("v1.e30.AAAA")
	f.Add("v1..")
	f.Fuzz(func(t *testing.T, v string) {
		s, err := a.checkSession(t.Context(), v, a.now())
		if err == nil && v != good {
			t.Fatalf("accepted %q as %+v", v, s)
		}
	})
}
