package oidcauth

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// DefaultSessionTTL is how long a sign-in lasts when Config.SessionTTL is zero: a
// working day.
const DefaultSessionTTL = 12 * time.Hour

// MinSecretLength is the shortest session secret accepted.
const MinSecretLength = 32

// Config is the sign-in configuration (the oidc section of the server's YAML).
type Config struct {
	Issuer       string // the provider's issuer URL (discovery at <issuer>/.well-known/openid-configuration)
	ClientID     string
	ClientSecret string // empty for a public client (PKCE alone)
	// RedirectURL is this server's /auth/callback as registered at the provider.
	RedirectURL string
	// SessionSecret keys the session signatures; every node of a cluster needs the
	// same one. Empty: a random key per process (sessions end at restart).
	SessionSecret string
	SessionTTL    time.Duration
	Host          HostRule
}

// HostRule decides from the claims who may create meetings.
type HostRule struct {
	// EmailDomains: a verified email in one of these domains hosts ("example.org").
	EmailDomains []string
	// Groups: a member of one of these groups hosts, read from GroupsClaim.
	Groups []string
	// GroupsClaim is the claim listing the groups; default "groups".
	GroupsClaim string
}

// Enabled reports whether sign-in is configured at all.
func (c *Config) Enabled() bool { return c.Issuer != "" || c.ClientID != "" || c.RedirectURL != "" }

// Validate checks c; every problem is named by its YAML key under "oidc".
func (c *Config) Validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: oidc.%s: %s", ErrBadConfig, key, fmt.Sprintf(format, args...)))
	}
	if !c.Enabled() {
		return nil
	}
	if err := checkURL(c.Issuer); err != nil {
		bad("issuer", "%v", err)
	}
	if c.ClientID == "" {
		bad("client_id", "is required")
	}
	if err := checkURL(c.RedirectURL); err != nil {
		bad("redirect_url", "%v", err)
	} else if u, _ := url.Parse(c.RedirectURL); u.Path != CallbackPath {
		bad("redirect_url", "path must be %s, not %q", CallbackPath, u.Path)
	}
	if c.SessionSecret != "" && len(c.SessionSecret) < MinSecretLength {
		bad("session_secret", "has %d characters; at least %d are needed", len(c.SessionSecret), MinSecretLength)
	}
	if c.SessionTTL < 0 {
		bad("session_ttl", "%v is negative", c.SessionTTL)
	}
	for _, d := range c.Host.EmailDomains {
		if d == "" || strings.ContainsAny(d, "@/ \t:") || strings.HasPrefix(d, ".") {
			bad("host_email_domains", "%q is not a domain name", d)
		}
	}
	for _, g := range c.Host.Groups {
		if strings.TrimSpace(g) == "" {
			bad("host_groups", "empty group name")
		}
	}
	return errs
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// Identity is what the provider says about the person, as far as Ensemble cares.
type Identity struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Groups        []string
}

// IsHost applies the rule to id. With no domain and no group configured, every
// signed-in person hosts (a provider that only staff can use).
func (r HostRule) IsHost(id Identity) bool {
	if len(r.EmailDomains) == 0 && len(r.Groups) == 0 {
		return true
	}
	if id.EmailVerified {
		if _, domain, ok := strings.Cut(id.Email, "@"); ok {
			for _, d := range r.EmailDomains {
				if strings.EqualFold(domain, d) {
					return true
				}
			}
		}
	}
	for _, g := range r.Groups {
		if slices.Contains(id.Groups, g) {
			return true
		}
	}
	return false
}

func (r HostRule) groupsClaim() string {
	if r.GroupsClaim == "" {
		return "groups"
	}
	return r.GroupsClaim
}
