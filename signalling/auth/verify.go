package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Leeway is the clock skew tolerated on exp and nbf: a token is still accepted up to
// 10 s after it expires and from 10 s before its nbf, so that small clock differences
// between the machine that minted it and the server do not refuse fresh tokens.
const Leeway = 10 * time.Second

// MaxTokenLength bounds the token string Verify will look at; longer input is
// malformed. It leaves room for generous metadata while keeping parsing cheap.
const MaxTokenLength = 32 << 10

// Algorithm is the only signing algorithm accepted.
const Algorithm = "HS256"

// errUnknownKey travels from the key lookup through the jwt parser back to Verify.
var errUnknownKey = errors.New("unknown API key")

// Verifier checks room tokens against a set of API keys. It is safe for concurrent use.
type Verifier struct {
	keys   Keys
	now    func() time.Time
	leeway time.Duration
}

// VerifierOption changes a Verifier built by NewVerifier.
type VerifierOption func(*Verifier)

// WithClock makes the Verifier read the time from now (tests, fuzzing).
func WithClock(now func() time.Time) VerifierOption { return func(v *Verifier) { v.now = now } }

// WithLeeway replaces the default clock skew tolerance (Leeway).
func WithLeeway(d time.Duration) VerifierOption { return func(v *Verifier) { v.leeway = d } }

// NewVerifier returns a Verifier that accepts tokens signed by any of keys. The map
// is copied, so later changes to keys do not affect the Verifier.
func NewVerifier(keys Keys, opts ...VerifierOption) *Verifier {
	v := &Verifier{keys: make(Keys, len(keys)), now: time.Now, leeway: Leeway}
	for k, s := range keys {
		v.keys[k] = s
	}
	for _, o := range opts {
		o(v)
	}
	return v
}

// Verify parses and checks token: its shape, its algorithm (HS256 only), the API key
// named in iss, the signature, and its validity window (exp required, nbf optional,
// both with Leeway). It does not require an identity, a room or any grant; callers
// check those with CheckJoin, CheckRoom and CheckGrant. Every error is an *Error.
func (v *Verifier) Verify(token string) (*Claims, error) {
	if token == "" {
		return nil, newError(CodeMissingToken, "no token given", nil)
	}
	if len(token) > MaxTokenLength {
		return nil, newError(CodeMalformedToken, fmt.Sprintf("token is %d bytes long, more than the %d allowed", len(token), MaxTokenLength), nil)
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{Algorithm}),
		jwt.WithLeeway(v.leeway),
		jwt.WithTimeFunc(v.now),
		jwt.WithExpirationRequired(),
	)

	// A first, unverified pass tells a malformed token from one with the wrong
	// algorithm: the jwt library reports a refused algorithm as a bad signature.
	var unverified Claims
	tok, _, err := parser.ParseUnverified(token, &unverified)
	if err != nil {
		if errors.Is(err, jwt.ErrTokenUnverifiable) && tok != nil {
			return nil, newError(CodeUnsupportedAlgorithm, fmt.Sprintf("signing algorithm %v is not supported; only %s is", tok.Header["alg"], Algorithm), err)
		}
		return nil, newError(CodeMalformedToken, "token is not a well-formed JWT", err)
	}
	if alg, _ := tok.Header["alg"].(string); alg != Algorithm {
		return nil, newError(CodeUnsupportedAlgorithm, fmt.Sprintf("signing algorithm %q is not supported; only %s is", alg, Algorithm), nil)
	}
	if err := checkShape(token, tok.Header); err != nil {
		return nil, err
	}

	claims := &Claims{}
	_, err = parser.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) {
		secret, ok := v.keys[claims.Issuer]
		if !ok || secret == "" {
			return nil, errUnknownKey
		}
		return []byte(secret), nil
	})
	if err == nil {
		return claims, nil
	}
	switch {
	case errors.Is(err, errUnknownKey):
		if claims.Issuer == "" {
			return nil, newError(CodeUnknownKey, "token names no API key (iss claim)", nil)
		}
		return nil, newError(CodeUnknownKey, fmt.Sprintf("API key %q is not configured", claims.Issuer), nil)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, newError(CodeInvalidSignature, fmt.Sprintf("signature does not match the secret of API key %q", claims.Issuer), nil)
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, newError(CodeTokenExpired, fmt.Sprintf("token expired at %s", claims.ExpiresAt.UTC().Format(time.RFC3339)), nil)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return nil, newError(CodeTokenNotYetValid, fmt.Sprintf("token is not valid before %s", claims.NotBefore.UTC().Format(time.RFC3339)), nil)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return nil, newError(CodeMalformedToken, "token has no expiry (exp claim)", err)
	}
	return nil, newError(CodeMalformedToken, "token claims are invalid", err)
}
