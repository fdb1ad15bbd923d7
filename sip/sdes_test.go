package sip

import (
	"bytes"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// key30 is 30 bytes of key and salt (AES_CM_128: 16+14) in base64.
var key30 = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 30))

func TestParseCryptoAccepts(t *testing.T) {
	key28 := base64.RawStdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 28)) // AEAD_AES_128_GCM: 16+12, unpadded
	key46 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{5}, 46))    // AES_256_CM: 32+14
	for _, tc := range []struct {
		value              string
		tag                uint32
		suite              string
		keys, mkiLen       int
		lifetime           uint64
		params             int
		usableErrSubstring string
	}{
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30, 1, "AES_CM_128_HMAC_SHA1_80", 1, 0, 0, 0, ""},
		{"2 AES_CM_128_HMAC_SHA1_32 inline:" + key30 + "|2^31", 2, "AES_CM_128_HMAC_SHA1_32", 1, 0, 1 << 31, 0, ""},
		{"3 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1048576|1:4", 3, "AES_CM_128_HMAC_SHA1_80", 1, 4, 1 << 20, 0, ""},
		{"4 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1:1;inline:" + key30 + "|2:1", 4, "AES_CM_128_HMAC_SHA1_80", 2, 1, 0, 0, ""},
		{"5 AEAD_AES_128_GCM inline:" + key28, 5, "AEAD_AES_128_GCM", 1, 0, 0, 0, ""},
		{"6 AES_256_CM_HMAC_SHA1_80 inline:" + key46 + " WSH=128 KDR=0", 6, "AES_256_CM_HMAC_SHA1_80", 1, 0, 0, 2, ""},
		{"7 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " UNENCRYPTED_SRTP", 7, "AES_CM_128_HMAC_SHA1_80", 1, 0, 0, 1, "session parameter UNENCRYPTED_SRTP is not supported"},
		{"8 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " KDR=24", 8, "AES_CM_128_HMAC_SHA1_80", 1, 0, 0, 1, "session parameter KDR=24 is not supported"},
		{"9 F8_128_HMAC_SHA1_80 inline:anything|at|all", 9, "F8_128_HMAC_SHA1_80", 0, 0, 0, 0, "crypto suite F8_128_HMAC_SHA1_80 is not supported"},
		{"123456789 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " WSH=32", 123456789, "AES_CM_128_HMAC_SHA1_80", 1, 0, 0, 1, `window size hint "WSH=32"`},
	} {
		a, err := parseCrypto(tc.value)
		if err != nil {
			t.Errorf("%q: %v", tc.value, err)
			continue
		}
		if a.tag != tc.tag || a.suite != tc.suite || len(a.keys) != tc.keys || len(a.params) != tc.params {
			t.Errorf("%q: parsed %+v", tc.value, a)
			continue
		}
		if tc.keys > 0 && (len(a.keys[0].mki) != tc.mkiLen || a.keys[0].lifetime != tc.lifetime) {
			t.Errorf("%q: key %+v", tc.value, a.keys[0])
		}
		err = a.usable()
		switch {
		case tc.usableErrSubstring == "" && err != nil:
			t.Errorf("%q: not usable: %v", tc.value, err)
		case tc.usableErrSubstring != "" && (err == nil || !strings.Contains(err.Error(), tc.usableErrSubstring)):
			t.Errorf("%q: usable() = %v, want %q", tc.value, err, tc.usableErrSubstring)
		}
	}
}

// Each departure from RFC 4568 is ErrBadCrypto, and the message says what.
func TestParseCryptoRefuses(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"1 AES_CM_128_HMAC_SHA1_80", "want <tag> <crypto-suite> <key-params>"},
		{"1  AES_CM_128_HMAC_SHA1_80 inline:" + key30, "fields are separated by one space"},
		{"x AES_CM_128_HMAC_SHA1_80 inline:" + key30, `tag "x" is not 1 to 9 digits`},
		{"1234567890 AES_CM_128_HMAC_SHA1_80 inline:" + key30, `tag "1234567890" is not 1 to 9 digits`},
		{"1 AES-CM inline:" + key30, `crypto suite "AES-CM" is not letters, digits and _`},
		{"1 AES_CM_128_HMAC_SHA1_80 inline", `key parameter 1 "inline" is not <method>:<info>`},
		{"1 AES_CM_128_HMAC_SHA1_80 uri:http://x", `key method "uri"`},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30[:39] + "!", "are not base64"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + base64.StdEncoding.EncodeToString(make([]byte, 29)), "29 bytes of key and salt, the suite takes 16+14"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^0", `lifetime "2^0" is not 2^1 to 2^48`},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^49", `lifetime "2^49"`},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|0", `lifetime "0" is not a number of packets`},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1:0", `MKI length "0" is not 1 to 128`},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|256:1", "MKI value 256 does not fit in 1 bytes"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|x:1", `MKI value "x" is not a decimal number`},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1:1|2^20", "the lifetime comes once, before the MKI"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^20|1:1|3", "has more than key|lifetime|MKI"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + ";inline:" + key30, "key 1 of tag 1 has no MKI, which several keys need"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1:1;inline:" + key30 + "|2:2", "MKIs of different lengths"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " WSH=\x01", "is not visible ASCII"},
		{strings.Repeat("1", 2000), "more than 1024"},
	} {
		_, err := parseCrypto(tc.value)
		if !errors.Is(err, ErrBadCrypto) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want ErrBadCrypto saying %q", tc.value, err, tc.want)
		}
	}
}

func savpOffer(crypto ...string) []byte {
	s := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n"
	for _, c := range crypto {
		s += "a=crypto:" + c + "\r\n"
	}
	return []byte(s)
}

// An offer with an RTP/AVP stream and an RTP/SAVP one (best-effort SRTP) is
// answered on the SAVP one, whatever their order; a malformed line refuses
// the whole offer; a SAVP stream with nothing usable leaves the AVP one.
func TestParseOfferPrefersSRTP(t *testing.T) {
	both := []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		"m=audio 4000 RTP/AVP 0\r\n" +
		"m=audio 4002 RTP/SAVP 8\r\na=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "\r\n")
	o, err := parseOffer(both)
	if err != nil {
		t.Fatal(err)
	}
	if o.audioIndex != 1 || o.crypto == nil || o.crypto.tag != 2 || o.codec.Name != "PCMA" {
		t.Fatalf("chose stream %d, crypto %+v, codec %s", o.audioIndex, o.crypto, o.codec.Name)
	}
	leg, err := newSRTPLeg(o.crypto)
	if err != nil {
		t.Fatal(err)
	}
	o.answerCrypto = &leg.local
	ans, err := o.answer(o.remote, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ans), "m=audio 0 RTP/AVP 0\r\n") || !strings.Contains(string(ans), "m=audio 4002 RTP/SAVP 8\r\n") ||
		!strings.Contains(string(ans), "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:") || strings.Contains(string(ans), key30) {
		t.Fatalf("answer:\n%s", ans)
	}

	bad := strings.Replace(string(both), "inline:"+key30, "inline:short", 1)
	if _, err := parseOffer([]byte(bad)); !errors.Is(err, ErrBadCrypto) {
		t.Fatalf("malformed key: %v", err)
	}
	unusable := strings.Replace(string(both), "AES_CM_128_HMAC_SHA1_80", "F8_128_HMAC_SHA1_80", 1)
	if o, err := parseOffer([]byte(unusable)); err != nil || o.crypto != nil || o.audioIndex != 0 {
		t.Fatalf("unusable SAVP beside AVP: %v, %+v", err, o)
	}
	if _, err := parseOffer(savpOffer()); !errors.Is(err, ErrNoCommonCrypto) || !strings.Contains(err.Error(), "RTP/SAVP without a=crypto") {
		t.Fatalf("SAVP without crypto: %v", err)
	}
	if _, err := parseOffer(savpOffer("1 F8_128_HMAC_SHA1_80 inline:x", "2 AES_CM_128_HMAC_SHA1_80 inline:"+key30+" UNAUTHENTICATED_SRTP")); !errors.Is(err, ErrNoCommonCrypto) ||
		!strings.Contains(err.Error(), "tag 1: crypto suite F8_128_HMAC_SHA1_80 is not supported; tag 2: session parameter UNAUTHENTICATED_SRTP") {
		t.Fatalf("no usable line: %v", err)
	}
	if _, err := parseOffer(savpOffer("1 AES_CM_128_HMAC_SHA1_80 inline:"+key30, "1 AES_CM_128_HMAC_SHA1_32 inline:"+key30)); !errors.Is(err, ErrBadCrypto) || !strings.Contains(err.Error(), "tag 1 is given twice") {
		t.Fatalf("tag twice: %v", err)
	}
}

// farEnd is the other side of an SRTP leg: it encrypts with the key it
// offered and decrypts with the one we answered.
func farEnd(t *testing.T, offered *cryptoAttr, leg *srtpLeg) (enc, dec *srtp.Context) {
	t.Helper()
	profile := sdesSuites[offered.suite]
	var opts []srtp.ContextOption
	if offered.keys[0].mki != nil {
		opts = append(opts, srtp.MasterKeyIndicator(offered.keys[0].mki))
	}
	enc, err := srtp.CreateContext(offered.keys[0].key, offered.keys[0].salt, profile, opts...)
	if err != nil {
		t.Fatal(err)
	}
	dec, err = srtp.CreateContext(leg.local.keys[0].key, leg.local.keys[0].salt, profile)
	if err != nil {
		t.Fatal(err)
	}
	return enc, dec
}

func rtpPacket(t *testing.T, seq uint16, payload string) []byte {
	t.Helper()
	b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 42}, Payload: []byte(payload)}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Both ways decrypt with the other side's key, in each suite; a packet
// replayed, forged or sent in clear is dropped; a key named by its MKI works.
func TestSRTPLegBothWays(t *testing.T) {
	for _, line := range []string{
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30,
		"2 AES_CM_128_HMAC_SHA1_32 inline:" + key30 + "|2^20|7:2",
		"3 AEAD_AES_128_GCM inline:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 28)),
		"4 AES_256_CM_HMAC_SHA1_80 inline:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{4}, 46)),
		"5 AEAD_AES_256_GCM inline:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{6}, 44)),
	} {
		offered, err := parseCrypto(line)
		if err != nil {
			t.Fatal(err)
		}
		leg, err := newSRTPLeg(&offered)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if leg.local.tag != offered.tag || leg.local.suite != offered.suite || bytes.Equal(leg.local.keys[0].key, offered.keys[0].key) {
			t.Fatalf("%s: our line %s", line, leg.local)
		}
		enc, dec := farEnd(t, &offered, leg)

		in, err := enc.EncryptRTP(nil, rtpPacket(t, 1, "caller"), nil)
		if err != nil {
			t.Fatal(err)
		}
		plain, ok := leg.unprotect(in)
		var p rtp.Packet
		if !ok || p.Unmarshal(plain) != nil || string(p.Payload) != "caller" {
			t.Fatalf("%s: the far end's packet: ok %v, %q", line, ok, p.Payload)
		}
		if _, ok := leg.unprotect(in); ok {
			t.Fatalf("%s: a replayed packet was taken", line)
		}
		forged, _ := enc.EncryptRTP(nil, rtpPacket(t, 2, "forged"), nil)
		forged[len(forged)-1] ^= 1
		if _, ok := leg.unprotect(forged); ok {
			t.Fatalf("%s: a forged packet was taken", line)
		}
		if _, ok := leg.unprotect(rtpPacket(t, 3, "clear")); ok {
			t.Fatalf("%s: a packet in clear was taken", line)
		}

		out, err := leg.protect(rtpPacket(t, 9, "room"))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte("room")) {
			t.Fatalf("%s: our packet went in clear", line)
		}
		back, err := dec.DecryptRTP(nil, out, nil)
		if err != nil || p.Unmarshal(back) != nil || string(p.Payload) != "room" {
			t.Fatalf("%s: our packet at the far end: %v %q", line, err, p.Payload)
		}
	}
}

// A re-INVITE keeps the call's protection: same keys keep the context, new
// keys replace it, the answer gives our key under the new tag, and a switch
// between SRTP and plain RTP is refused.
func TestRekeySRTP(t *testing.T) {
	offered, _ := parseCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:" + key30)
	leg, err := newSRTPLeg(&offered)
	if err != nil {
		t.Fatal(err)
	}
	c := &call{srtp: leg, log: slog.New(slog.DiscardHandler)}
	before := leg.in.Load()
	same, _ := parseCrypto("4 AES_CM_128_HMAC_SHA1_80 inline:" + key30)
	off := &offer{crypto: &same}
	if err := c.rekeySRTP(off); err != nil || leg.in.Load() != before || off.answerCrypto.tag != 4 {
		t.Fatalf("same keys: %v, context replaced %v, answer %v", err, leg.in.Load() != before, off.answerCrypto)
	}
	newKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{8}, 30))
	fresh, _ := parseCrypto("4 AES_CM_128_HMAC_SHA1_80 inline:" + newKey)
	if err := c.rekeySRTP(&offer{crypto: &fresh}); err != nil || leg.in.Load() == before {
		t.Fatalf("new keys: %v", err)
	}
	enc, _ := srtp.CreateContext(fresh.keys[0].key, fresh.keys[0].salt, srtp.ProtectionProfileAes128CmHmacSha1_80)
	pkt, _ := enc.EncryptRTP(nil, rtpPacket(t, 100, "rekeyed"), nil)
	if _, ok := leg.unprotect(pkt); !ok {
		t.Fatal("a packet under the new key was dropped")
	}
	other, _ := parseCrypto("4 AES_CM_128_HMAC_SHA1_32 inline:" + key30)
	if err := c.rekeySRTP(&offer{crypto: &other}); !errors.Is(err, ErrNoCommonCrypto) {
		t.Fatalf("another suite: %v", err)
	}
	if err := c.rekeySRTP(&offer{}); !errors.Is(err, ErrSRTPRequired) {
		t.Fatalf("plain re-INVITE of an SRTP call: %v", err)
	}
	if err := (&call{log: slog.New(slog.DiscardHandler)}).rekeySRTP(&offer{crypto: &same}); !errors.Is(err, ErrNoCommonCrypto) {
		t.Fatalf("SRTP re-INVITE of a plain call: %v", err)
	}
}

// The Warning of a 488 says why in a quoted string with nothing that would
// break it.
func TestWarningOf(t *testing.T) {
	_, err := parseCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:"quoted"\`)
	w := warningOf(err).Value()
	if !strings.HasPrefix(w, `306 ensemble "malformed a=crypto attribute: `) || strings.Count(w, `"`) != 2 || strings.Contains(w, `\`) {
		t.Fatalf("Warning: %s", w)
	}
	if w := warningOf(ErrSRTPRequired).Value(); w != `399 ensemble "SRTP required"` {
		t.Fatalf("Warning: %s", w)
	}
	if w := warningOf(ErrNoCommonCodec).Value(); !strings.HasPrefix(w, "305 ") {
		t.Fatalf("Warning: %s", w)
	}
}
