package sip

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/icholy/digest"
)

// nonceLifetime is how long a digest challenge's nonce is taken: long enough
// for a phone to ask its user for a password, short enough that a captured
// Authorization is soon worthless.
const nonceLifetime = 5 * time.Minute

// errChallenge asks the caller for credentials (401 with a fresh challenge):
// none were given, or their nonce is not ours or no longer valid.
type errChallenge struct {
	reason string
	stale  bool // the credentials were right but the nonce ran out (RFC 2617 stale=true)
}

func (e *errChallenge) Error() string { return "sip: authentication needed: " + e.reason }

// digestAuth challenges callers (RFC 2617 and 8760, MD5 with qop=auth) and
// checks their answers. Nonces carry their own expiry, signed with a key of
// this bridge, so that nothing is kept per challenge (a flood of INVITEs
// costs no memory); only nonces that carried right credentials are
// remembered, with their last nonce-count, so that none is taken twice.
type digestAuth struct {
	realm string
	key   []byte
	now   func() time.Time
	used  nonceCounts
}

func newDigestAuth(realm string) *digestAuth {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &digestAuth{realm: realm, key: key, now: time.Now}
}

// nonce is the expiry (Unix seconds, hex), a random salt and their HMAC.
// The salt makes each challenge's nonce its own: two phones challenged in
// the same second must not share one, or the second one's first nonce-count
// would look like a replay of the first's.
func (d *digestAuth) nonce() string {
	exp := d.now().Add(nonceLifetime).Unix()
	var salt [8]byte
	_, _ = rand.Read(salt[:])
	s := hex.EncodeToString(salt[:])
	return fmt.Sprintf("%x.%s.%s", exp, s, d.sign(exp, s))
}

func (d *digestAuth) sign(exp int64, salt string) string {
	m := hmac.New(sha256.New, d.key)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(exp))
	m.Write(b[:])
	m.Write([]byte(salt))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// checkNonce says whether nonce is one of ours, still valid, and when it
// expires (Unix seconds).
func (d *digestAuth) checkNonce(nonce string) (int64, error) {
	expHex, rest, ok := strings.Cut(nonce, ".")
	salt, mac, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || len(expHex) == 0 || len(expHex) > 16 || len(salt) != 16 {
		return 0, &errChallenge{reason: "a nonce this bridge did not give"}
	}
	var exp uint64
	for _, c := range expHex {
		v := strings.IndexRune("0123456789abcdef", c)
		if v < 0 {
			return 0, &errChallenge{reason: "a nonce this bridge did not give"}
		}
		exp = exp<<4 | uint64(v)
	}
	if subtle.ConstantTimeCompare([]byte(mac), []byte(d.sign(int64(exp), salt))) != 1 {
		return 0, &errChallenge{reason: "a nonce this bridge did not give"}
	}
	if d.now().Unix() > int64(exp) {
		return 0, &errChallenge{reason: "the nonce expired", stale: true}
	}
	return int64(exp), nil
}

// challenge is a WWW-Authenticate value.
func (d *digestAuth) challenge(stale bool) string {
	c := digest.Challenge{Realm: d.realm, Nonce: d.nonce(), Algorithm: "MD5", QOP: []string{"auth"}, Stale: stale}
	return c.String()
}

// authenticate finds, among trunks, the one whose credentials the
// Authorization values carry for a request of method. It returns an
// *errChallenge when the caller should be asked (again), ErrBadRequest for
// credentials that do not parse, and ErrForbidden for wrong ones.
func (d *digestAuth) authenticate(method string, authorizations []string, trunks []Trunk) (Trunk, error) {
	var creds *digest.Credentials
	for _, a := range authorizations {
		c, err := digest.ParseCredentials(a)
		if err != nil {
			return Trunk{}, fmt.Errorf("%w: Authorization: %w", ErrBadRequest, err)
		}
		if c.Realm == d.realm {
			creds = c
			break
		}
	}
	if creds == nil {
		return Trunk{}, &errChallenge{reason: "no credentials for realm " + d.realm}
	}
	exp, nonceErr := d.checkNonce(creds.Nonce)
	var ch *errChallenge
	if errors.As(nonceErr, &ch) && !ch.stale {
		return Trunk{}, nonceErr
	}
	t, err := d.verify(method, creds, trunks)
	if err != nil {
		return Trunk{}, err
	}
	if nonceErr != nil {
		return Trunk{}, nonceErr // right credentials on an expired nonce: stale=true
	}
	// Right credentials seen before (a captured Authorization sent again) get
	// a new challenge: the phone that made them answers it at once
	// (stale=true: no need to ask its user), a replayer cannot.
	if !d.used.use(creds.Nonce, creds.Nc, exp, d.now().Unix()) {
		return Trunk{}, &errChallenge{reason: fmt.Sprintf("nonce-count %08x already used with this nonce (replay)", creds.Nc), stale: true}
	}
	return t, nil
}

func (d *digestAuth) verify(method string, creds *digest.Credentials, trunks []Trunk) (Trunk, error) {
	if a := strings.ToUpper(creds.Algorithm); a != "" && a != "MD5" {
		return Trunk{}, fmt.Errorf("%w: digest algorithm %q (MD5 was asked for)", ErrForbidden, creds.Algorithm)
	}
	chal := &digest.Challenge{Realm: d.realm, Nonce: creds.Nonce, Algorithm: creds.Algorithm}
	switch creds.QOP {
	case "":
	case "auth":
		chal.QOP = []string{"auth"}
	default:
		return Trunk{}, fmt.Errorf("%w: digest qop %q (auth was asked for)", ErrForbidden, creds.QOP)
	}
	for _, t := range trunks {
		if !t.RequireAuth || t.User != creds.Username {
			continue
		}
		want, err := digest.Digest(chal, digest.Options{Method: method, URI: creds.URI,
			Username: t.User, Password: t.Password, Cnonce: creds.Cnonce, Count: creds.Nc})
		if err != nil {
			return Trunk{}, fmt.Errorf("%w: %w", ErrForbidden, err)
		}
		if subtle.ConstantTimeCompare([]byte(want.Response), []byte(creds.Response)) == 1 {
			return t, nil
		}
		return Trunk{}, fmt.Errorf("%w: wrong digest response for user %q", ErrForbidden, creds.Username)
	}
	return Trunk{}, fmt.Errorf("%w: no trunk for user %q from this address", ErrForbidden, creds.Username)
}
