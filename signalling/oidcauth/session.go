package oidcauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Session is a signed-in person. It travels signed in the session cookie (and, for
// the Outlook add-in, as a bearer token).
type Session struct {
	ID      string    `json:"sid"`
	Subject string    `json:"sub"`
	Email   string    `json:"email,omitempty"`
	Name    string    `json:"name,omitempty"`
	Host    bool      `json:"host"`
	Expires time.Time `json:"exp"`
}

// Owner is the owner id of what the person creates: stable across sessions, unique
// per provider subject.
func (s *Session) Owner() string { return "oidc:" + s.Subject }

// sessionPrefix versions the encoding.
const sessionPrefix = "v1."

// signer signs and checks session values and the login transaction cookie.
type signer struct{ key []byte }

func newSigner(secret string) (*signer, error) {
	if secret != "" {
		// A separate key per purpose, derived from the configured secret.
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte("ensemble session v1"))
		return &signer{key: m.Sum(nil)}, nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	return &signer{key: key}, nil
}

func (s *signer) mac(kind string, payload []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write(payload)
	return m.Sum(nil)
}

// seal returns "v1.<payload>.<mac>", both base64url; kind separates uses (a login
// transaction cannot be replayed as a session).
func (s *signer) seal(kind string, v any) (string, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("seal %s: %w", kind, err)
	}
	enc := base64.RawURLEncoding
	return sessionPrefix + enc.EncodeToString(payload) + "." + enc.EncodeToString(s.mac(kind, payload)), nil
}

// open checks the signature of a sealed value and decodes it into v.
func (s *signer) open(kind, sealed string, v any) error {
	rest, ok := strings.CutPrefix(sealed, sessionPrefix)
	if !ok || len(sealed) > 4096 {
		return ErrInvalidSession
	}
	p64, m64, ok := strings.Cut(rest, ".")
	if !ok {
		return ErrInvalidSession
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(p64)
	mac, err2 := enc.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(kind, payload)) {
		return ErrInvalidSession
	}
	// One value, one spelling: Go's decoder skips CR and LF and does not check the
	// unused bits of the last character, so a signed value could be written several
	// ways. Only the encoding seal makes is taken (FuzzOpenSession found a newline).
	if enc.EncodeToString(payload) != p64 || enc.EncodeToString(mac) != m64 {
		return ErrInvalidSession
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSession, err)
	}
	return nil
}

// checkSession opens a session value and checks its expiry and revocation.
func (a *Auth) checkSession(ctx context.Context, value string, now time.Time) (*Session, error) {
	var s Session
	if err := a.signer.open(kindSession, value, &s); err != nil {
		return nil, err
	}
	if s.ID == "" || s.Subject == "" || s.Expires.IsZero() {
		return nil, ErrInvalidSession
	}
	if !now.Before(s.Expires) {
		return nil, ErrExpiredSession
	}
	revoked, err := a.revoked.SessionRevoked(ctx, s.ID, now)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSessionCheck, err)
	}
	if revoked {
		return nil, ErrRevokedSession
	}
	return &s, nil
}

const (
	kindSession = "session"
	kindLogin   = "login"
)

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Revoker keeps the signed-out sessions until they would have expired anyway.
// store.BoltStore and store.RedisStore are Revokers: with the server's store, a
// session signed out on one node is refused by every node sharing the store.
type Revoker interface {
	RevokeSession(ctx context.Context, id string, until time.Time) error
	SessionRevoked(ctx context.Context, id string, now time.Time) (bool, error)
}

// Revocations is the in-memory Revoker, the default: it serves one process, and
// forgets at restart.
type Revocations struct {
	mu  sync.Mutex
	ids map[string]time.Time // id -> expiry
}

// RevokeSession remembers id until until.
func (r *Revocations) RevokeSession(_ context.Context, id string, until time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids == nil {
		r.ids = map[string]time.Time{}
	}
	r.ids[id] = until
	return nil
}

// SessionRevoked reports whether id is remembered and not yet expired.
func (r *Revocations) SessionRevoked(_ context.Context, id string, now time.Time) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Expired entries go: the signature check alone refuses those sessions now.
	for k, exp := range r.ids {
		if !now.Before(exp) {
			delete(r.ids, k)
		}
	}
	_, ok := r.ids[id]
	return ok, nil
}
