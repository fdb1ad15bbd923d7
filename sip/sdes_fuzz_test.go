package sip

import (
	"errors"
	"testing"
)

// FuzzParseCrypto feeds a=crypto values: each is refused with ErrBadCrypto,
// or parsed into a line whose keys have the lengths of its suite; a usable
// line gets an SRTP leg whose own line (what the answer says) parses back
// to the same tag and suite, and which decrypts what the offered key
// encrypts.
func FuzzParseCrypto(f *testing.F) {
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^20|1:4")
	f.Fuzz(func(t *testing.T, value string) {
		a, err := parseCrypto(value)
		if err != nil {
			if !errors.Is(err, ErrBadCrypto) {
				t.Fatalf("untyped refusal: %v", err)
			}
			return
		}
		if a.tag > 999999999 || a.suite == "" {
			t.Fatalf("parsed %+v", a)
		}
		profile, known := sdesSuites[a.suite]
		if !known {
			if a.keys != nil {
				t.Fatalf("keys for the unknown suite %s", a.suite)
			}
			return
		}
		keyLen, _ := profile.KeyLen()
		saltLen, _ := profile.SaltLen()
		if len(a.keys) == 0 {
			t.Fatalf("no key in %q", value)
		}
		for _, k := range a.keys {
			if len(k.key) != keyLen || len(k.salt) != saltLen {
				t.Fatalf("key %d+%d bytes for %s", len(k.key), len(k.salt), a.suite)
			}
		}
		if a.usable() != nil {
			return
		}
		leg, err := newSRTPLeg(&a)
		if err != nil {
			if !errors.Is(err, ErrBadCrypto) {
				t.Fatalf("SRTP leg of %q: %v", value, err)
			}
			return
		}
		back, err := parseCrypto(leg.local.String())
		if err != nil || back.tag != a.tag || back.suite != a.suite || len(back.keys) != 1 {
			t.Fatalf("our line %q: %+v, %v", leg.local.String(), back, err)
		}
		enc, _ := farEnd(t, &a, leg)
		pkt, err := enc.EncryptRTP(nil, rtpPacket(t, 1, "fuzz"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := leg.unprotect(pkt); !ok {
			t.Fatalf("the offered key's packet does not decrypt (%q)", value)
		}
	})
}
