package sip

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/pion/srtp/v3"
)

// SDES (RFC 4568): an offer over RTP/SAVP carries its keys in a=crypto lines,
//
//	a=crypto:<tag> <suite> inline:<base64 key||salt>[|<lifetime>][|<MKI>:<length>][;inline:...] [<session params>]
//
// and the answer picks one line by its tag and gives our own key in the same
// suite: each side encrypts what it sends with its own key.

// Errors of SDES offers, each answered 488 with a Warning that says why.
var (
	// ErrBadCrypto: an a=crypto attribute does not follow RFC 4568.
	ErrBadCrypto = errors.New("sip: malformed a=crypto attribute")
	// ErrNoCommonCrypto: the offer's RTP/SAVP stream has no a=crypto line the
	// bridge can use (suite, session parameters).
	ErrNoCommonCrypto = errors.New("sip: no usable SRTP crypto suite")
	// ErrSRTPRequired: the call came over TLS and offers no SRTP.
	ErrSRTPRequired = errors.New("sip: SRTP required")
)

// sdesSuites are the crypto suites the bridge takes, with pion's profile of
// each: RFC 4568's two, RFC 6188's AES-256 and RFC 7714's AES-GCM.
var sdesSuites = map[string]srtp.ProtectionProfile{
	"AES_CM_128_HMAC_SHA1_80": srtp.ProtectionProfileAes128CmHmacSha1_80,
	"AES_CM_128_HMAC_SHA1_32": srtp.ProtectionProfileAes128CmHmacSha1_32,
	"AES_256_CM_HMAC_SHA1_80": srtp.ProtectionProfileAes256CmHmacSha1_80,
	"AES_256_CM_HMAC_SHA1_32": srtp.ProtectionProfileAes256CmHmacSha1_32,
	"AEAD_AES_128_GCM":        srtp.ProtectionProfileAeadAes128Gcm,
	"AEAD_AES_256_GCM":        srtp.ProtectionProfileAeadAes256Gcm,
}

// cryptoAttr is one parsed a=crypto line.
type cryptoAttr struct {
	tag    uint32
	suite  string
	keys   []sdesKey // for a suite of sdesSuites; nil for another suite
	params []string  // session parameters
}

// sdesKey is one inline key: master key and salt, and the MKI that names it
// in packets (mkiLen 0: none).
type sdesKey struct {
	key, salt []byte
	lifetime  uint64 // packets; 0 when not said
	mki       []byte
}

// maxCryptoLen bounds one a=crypto value: a line with a few keys is 200 bytes.
const maxCryptoLen = 1024

// parseCrypto reads the value of an a=crypto attribute. Any departure from the
// RFC 4568 grammar is ErrBadCrypto with what is wrong; a suite the bridge does
// not know is returned without keys (its key syntax is its own).
func parseCrypto(value string) (cryptoAttr, error) {
	bad := func(format string, args ...any) (cryptoAttr, error) {
		return cryptoAttr{}, fmt.Errorf("%w: %s", ErrBadCrypto, fmt.Sprintf(format, args...))
	}
	if len(value) > maxCryptoLen {
		return bad("%d bytes, more than %d", len(value), maxCryptoLen)
	}
	fields := strings.Split(value, " ")
	for _, f := range fields {
		if f == "" {
			return bad("%q: fields are separated by one space", value)
		}
	}
	if len(fields) < 3 {
		return bad("%q: want <tag> <crypto-suite> <key-params>", value)
	}
	var a cryptoAttr
	if len(fields[0]) > 9 || strings.Trim(fields[0], "0123456789") != "" {
		return bad("tag %q is not 1 to 9 digits", fields[0])
	}
	tag, _ := strconv.ParseUint(fields[0], 10, 32)
	a.tag = uint32(tag)
	a.suite = fields[1]
	if strings.TrimFunc(a.suite, func(r rune) bool { return isAlnum(r) || r == '_' }) != "" {
		return bad("crypto suite %q is not letters, digits and _", a.suite)
	}
	for _, p := range fields[3:] {
		for _, r := range p {
			if r < 0x21 || r > 0x7e {
				return bad("session parameter %q is not visible ASCII", p)
			}
		}
	}
	a.params = fields[3:]
	profile, known := sdesSuites[a.suite]
	for i, kp := range strings.Split(fields[2], ";") {
		method, info, ok := strings.Cut(kp, ":")
		if !ok || method == "" || info == "" {
			return bad("key parameter %d %q is not <method>:<info>", i+1, kp)
		}
		if !known {
			continue
		}
		if method != "inline" {
			return bad("key method %q (%s keys are inline:)", method, a.suite)
		}
		k, err := parseInlineKey(info, profile)
		if err != nil {
			return bad("key %d of tag %d: %v", i+1, a.tag, err)
		}
		a.keys = append(a.keys, k)
	}
	if known && len(a.keys) > 1 {
		for i, k := range a.keys {
			if k.mki == nil {
				return bad("key %d of tag %d has no MKI, which several keys need", i+1, a.tag)
			}
			if len(k.mki) != len(a.keys[0].mki) {
				return bad("the keys of tag %d have MKIs of different lengths", a.tag)
			}
		}
	}
	return a, nil
}

func isAlnum(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
}

// maxLifetimeExp bounds a key's lifetime "2^n": SRTP's index is 48 bits.
const maxLifetimeExp = 48

// parseInlineKey reads "<base64 key||salt>[|lifetime][|mki:length]".
func parseInlineKey(info string, profile srtp.ProtectionProfile) (sdesKey, error) {
	parts := strings.Split(info, "|")
	if len(parts) > 3 {
		return sdesKey{}, fmt.Errorf("%q has more than key|lifetime|MKI", info)
	}
	keyLen, _ := profile.KeyLen()
	saltLen, _ := profile.SaltLen()
	material, err := decodeKeySalt(parts[0])
	if err != nil {
		return sdesKey{}, err
	}
	if len(material) != keyLen+saltLen {
		return sdesKey{}, fmt.Errorf("%d bytes of key and salt, the suite takes %d+%d", len(material), keyLen, saltLen)
	}
	k := sdesKey{key: material[:keyLen], salt: material[keyLen:]}
	for _, p := range parts[1:] {
		switch {
		case strings.Contains(p, ":"):
			if k.mki != nil {
				return sdesKey{}, fmt.Errorf("two MKIs in %q", info)
			}
			if k.mki, err = parseMKI(p); err != nil {
				return sdesKey{}, err
			}
		case k.lifetime != 0 || k.mki != nil:
			return sdesKey{}, fmt.Errorf("%q: the lifetime comes once, before the MKI", info)
		default:
			if k.lifetime, err = parseLifetime(p); err != nil {
				return sdesKey{}, err
			}
		}
	}
	return k, nil
}

// decodeKeySalt decodes base64 (RFC 4648 alphabet, padded or not).
func decodeKeySalt(s string) ([]byte, error) {
	enc := base64.StdEncoding
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	b, err := enc.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("key and salt %q are not base64: %w", s, err)
	}
	return b, nil
}

func parseLifetime(s string) (uint64, error) {
	if exp, ok := strings.CutPrefix(s, "2^"); ok {
		n, err := strconv.ParseUint(exp, 10, 8)
		if err != nil || n == 0 || n > maxLifetimeExp || strings.Trim(exp, "0123456789") != "" {
			return 0, fmt.Errorf("lifetime %q is not 2^1 to 2^%d", s, maxLifetimeExp)
		}
		return 1 << n, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 || n > 1<<maxLifetimeExp || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("lifetime %q is not a number of packets from 1 to 2^%d", s, maxLifetimeExp)
	}
	return n, nil
}

// parseMKI reads "<value>:<length>", the value a decimal number written in
// length bytes (1 to 128) in packets.
func parseMKI(s string) ([]byte, error) {
	v, l, _ := strings.Cut(s, ":")
	length, err := strconv.Atoi(l)
	if err != nil || length < 1 || length > 128 || strings.Trim(l, "0123456789") != "" {
		return nil, fmt.Errorf("MKI length %q is not 1 to 128", l)
	}
	value, ok := new(big.Int).SetString(v, 10)
	if !ok || v == "" || strings.Trim(v, "0123456789") != "" {
		return nil, fmt.Errorf("MKI value %q is not a decimal number", v)
	}
	if value.BitLen() > 8*length {
		return nil, fmt.Errorf("MKI value %s does not fit in %d bytes", v, length)
	}
	return value.FillBytes(make([]byte, length)), nil
}

// usable says why the bridge cannot use a well-formed line, or nil: its suite
// must be one of sdesSuites and its session parameters harmless (a window
// size hint, a key derivation rate of 0). Weakened protection
// (UNENCRYPTED_SRTP, UNAUTHENTICATED_SRTP...) is never accepted.
func (a cryptoAttr) usable() error {
	if _, ok := sdesSuites[a.suite]; !ok {
		return fmt.Errorf("tag %d: crypto suite %s is not supported", a.tag, a.suite)
	}
	for _, p := range a.params {
		name, value, _ := strings.Cut(p, "=")
		switch {
		case name == "WSH":
			if n, err := strconv.ParseUint(value, 10, 32); err != nil || n < 64 {
				return fmt.Errorf("tag %d: window size hint %q is not a number of at least 64", a.tag, p)
			}
		case name == "KDR" && value == "0":
		default:
			return fmt.Errorf("tag %d: session parameter %s is not supported", a.tag, p)
		}
	}
	return nil
}

// String is the line as an a=crypto value (one key, no lifetime, no MKI: how
// the bridge gives its own).
func (a cryptoAttr) String() string {
	k := a.keys[0]
	return fmt.Sprintf("%d %s inline:%s", a.tag, a.suite,
		base64.StdEncoding.EncodeToString(append(append([]byte(nil), k.key...), k.salt...)))
}
