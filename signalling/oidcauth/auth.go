package oidcauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Paths served by Handler.
const (
	LoginPath      = "/auth/login"
	CallbackPath   = "/auth/callback"
	LogoutPath     = "/auth/logout"
	MePath         = "/auth/me"
	AddinTokenPath = "/auth/addin-token"
)

// Cookie names.
const (
	SessionCookie = "ensemble_session"
	loginCookie   = "ensemble_login"
)

// loginTTL bounds the time between leaving for the provider and coming back.
const loginTTL = 10 * time.Minute

// Auth signs people in and checks their sessions. One per server.
type Auth struct {
	cfg     Config
	log     *slog.Logger
	signer  *signer
	revoked Revoker
	secure  bool // cookies only over https (the redirect URL is https)
	// now is the clock (tests move it).
	now func() time.Time

	// The provider is discovered on first use and kept once found, so that a
	// server starts even while its identity provider is down.
	mu       sync.Mutex
	provider *oidc.Provider
	ctx      context.Context // lives as long as Auth: go-oidc fetches keys with it
}

// New builds the sign-in of cfg. It does not reach the provider yet.
func New(cfg Config, log *slog.Logger) (*Auth, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if !cfg.Enabled() {
		return nil, fmt.Errorf("%w: no issuer configured", ErrBadConfig)
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	s, err := newSigner(cfg.SessionSecret)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u, _ := url.Parse(cfg.RedirectURL)
	return &Auth{cfg: cfg, log: log.With("component", "oidcauth"), signer: s, secure: u.Scheme == "https",
		now: time.Now, ctx: context.Background(), revoked: &Revocations{}}, nil
}

// UseRevocations keeps signed-out sessions in r (the server's store, shared by its
// nodes) instead of this process's memory. Call it before serving.
func (a *Auth) UseRevocations(r Revoker) { a.revoked = r }

// SetClock replaces the clock (tests of expiry).
func (a *Auth) SetClock(now func() time.Time) { a.now = now }

// discover returns the provider, fetching its discovery document the first time.
func (a *Auth) discover() (*oidc.Provider, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.provider != nil {
		return a.provider, nil
	}
	ctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, &http.Client{Timeout: 10 * time.Second}), a.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover identity provider %s: %w", a.cfg.Issuer, err)
	}
	a.provider = p
	return p, nil
}

func (a *Auth) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     a.cfg.ClientID,
		ClientSecret: a.cfg.ClientSecret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  a.cfg.RedirectURL,
		Scopes:       []string{oidc.ScopeOpenID, "email", "profile"},
	}
}

// FromRequest returns the session of r: the session cookie, or else an
// "Authorization: Bearer v1.…" session token (the Outlook add-in's). Errors are
// ErrNoSession, ErrInvalidSession, ErrExpiredSession or ErrRevokedSession.
func (a *Auth) FromRequest(r *http.Request) (*Session, error) {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return a.checkSession(r.Context(), c.Value, a.now())
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && strings.HasPrefix(tok, sessionPrefix) {
		return a.checkSession(r.Context(), strings.TrimSpace(tok), a.now())
	}
	return nil, ErrNoSession
}

// NewSession signs a session for id (tests and the callback). The expiry is now +
// the session TTL.
func (a *Auth) NewSession(id Identity) (*Session, string, error) {
	s := &Session{ID: randomID(), Subject: id.Subject, Email: id.Email, Name: id.Name,
		Host: a.cfg.Host.IsHost(id), Expires: a.now().Add(a.cfg.SessionTTL).UTC().Truncate(time.Second)}
	v, err := a.signer.seal(kindSession, s)
	return s, v, err
}

// Seal signs s as it is (tests forge expired sessions with the right key).
func (a *Auth) Seal(s *Session) (string, error) { return a.signer.seal(kindSession, s) }

func (a *Auth) setCookie(w http.ResponseWriter, name, value, path string, expires time.Time) {
	c := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: a.secure,
		SameSite: http.SameSiteLaxMode}
	if expires.IsZero() {
		c.MaxAge = -1
	} else {
		c.Expires = expires
		c.MaxAge = int(time.Until(expires).Seconds())
		if c.MaxAge < 1 {
			c.MaxAge = 1
		}
	}
	http.SetCookie(w, c)
}
