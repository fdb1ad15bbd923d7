package auth

import (
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// DefaultTTL is the lifetime of a token minted with TokenParams.TTL == 0.
const DefaultTTL = 6 * time.Hour

// TokenParams describe a token to mint.
type TokenParams struct {
	Identity, Name, Metadata, Room string
	// Kind is the participant kind; empty is standard.
	Kind   vocab.ParticipantKind
	Grants Grants
	// TTL is how long the token stays valid after NotBefore (or after IssuedAt when
	// NotBefore is zero); 0 means DefaultTTL.
	TTL time.Duration
	// NotBefore, when set, is the first instant the token is valid.
	NotBefore time.Time
	// IssuedAt defaults to now; set it for reproducible tokens (tests, fuzz seeds).
	IssuedAt time.Time
}

// Sign mints an HS256 token signed with secret, naming apiKey as its issuer.
func Sign(apiKey, secret string, p TokenParams) (string, error) {
	if apiKey == "" || secret == "" {
		return "", ErrEmptyKey
	}
	if p.TTL < 0 {
		return "", fmt.Errorf("%w: %v", ErrInvalidTTL, p.TTL)
	}
	if p.TTL == 0 {
		p.TTL = DefaultTTL
	}
	if p.Grants.Join && p.Identity == "" {
		return "", ErrMissingIdentity
	}
	if !p.Kind.Valid() {
		return "", fmt.Errorf("%w %q", ErrUnknownKind, p.Kind)
	}
	if len(p.Grants.Sources) > 0 {
		for _, s := range p.Grants.Sources {
			if !slices.Contains(SourceNames, s) {
				return "", fmt.Errorf("%w %q", ErrUnknownSource, s)
			}
		}
	}
	iat := p.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	start := iat
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:   apiKey,
			Subject:  p.Identity,
			IssuedAt: jwt.NewNumericDate(iat),
		},
		Name:     p.Name,
		Metadata: p.Metadata,
		Room:     p.Room,
		Kind:     p.Kind,
		Grants:   p.Grants,
	}
	if !p.NotBefore.IsZero() {
		start = p.NotBefore
		c.NotBefore = jwt.NewNumericDate(p.NotBefore)
	}
	c.ExpiresAt = jwt.NewNumericDate(start.Add(p.TTL))
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
	if err != nil {
		return "", fmt.Errorf("auth: sign token: %w", err)
	}
	return s, nil
}
