package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testKey    = "testkey"
	testSecret = "test-secret-0123456789abcdef-0123456789"
	otherKey   = "otherkey"
	otherSec   = "other-secret-0123456789abcdef-0123456789"
)

// testNow is the fixed time the verifiers in these tests live at.
var testNow = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func testVerifier() *Verifier {
	return NewVerifier(Keys{testKey: testSecret, otherKey: otherSec, "emptykey": ""},
		WithClock(func() time.Time { return testNow }))
}

func mustSign(t testing.TB, p TokenParams) string {
	t.Helper()
	if p.IssuedAt.IsZero() {
		p.IssuedAt = testNow
	}
	tok, err := Sign(testKey, testSecret, p)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return tok
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// rawToken builds a JWT by hand, so tests can forge any header, payload or signature.
func rawToken(header, payload string, secret string) string {
	signing := b64(header) + "." + b64(payload)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func validPayload(t testing.TB, mutate func(m map[string]any)) string {
	t.Helper()
	m := map[string]any{
		"iss": testKey, "sub": "alice", "room": "r1",
		"exp": testNow.Add(time.Hour).Unix(), "iat": testNow.Unix(),
		"grants": map[string]any{"join": true},
	}
	if mutate != nil {
		mutate(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const hsHeader = `{"alg":"HS256","typ":"JWT"}`

func TestVerifyRefusals(t *testing.T) {
	valid := mustSign(t, TokenParams{Identity: "alice", Room: "r1", Grants: DefaultParticipantGrants(), TTL: time.Hour})
	parts := strings.Split(valid, ".")

	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": testKey, "sub": "alice", "exp": testNow.Add(time.Hour).Unix()}).
		SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	hs384, err := jwt.NewWithClaims(jwt.SigningMethodHS384, jwt.MapClaims{"iss": testKey, "sub": "alice", "exp": testNow.Add(time.Hour).Unix()}).
		SignedString([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	otherSigned, err := Sign(testKey, otherSec, TokenParams{Identity: "alice", Room: "r1", TTL: time.Hour, IssuedAt: testNow})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		token string
		code  string
	}{
		{"empty token", "", CodeMissingToken},
		{"garbage", "not a token at all", CodeMalformedToken},
		{"two segments", parts[0] + "." + parts[1], CodeMalformedToken},
		{"four segments", valid + ".xyz", CodeMalformedToken},
		{"header not base64", "!!!." + parts[1] + "." + parts[2], CodeMalformedToken},
		{"header not JSON", b64("{alg") + "." + parts[1] + "." + parts[2], CodeMalformedToken},
		{"payload not base64", parts[0] + ".%%%." + parts[2], CodeMalformedToken},
		{"payload not JSON", rawToken(hsHeader, "[1,2", testSecret), CodeMalformedToken},
		{"payload wrong type", rawToken(hsHeader, validPayload(t, func(m map[string]any) { m["room"] = 5 }), testSecret), CodeMalformedToken},
		{"exp not a number", rawToken(hsHeader, validPayload(t, func(m map[string]any) { m["exp"] = "tomorrow" }), testSecret), CodeMalformedToken},
		{"exp a numeric string", rawToken(hsHeader, validPayload(t, func(m map[string]any) { m["exp"] = fmt.Sprint(testNow.Add(time.Hour).Unix()) }), testSecret), CodeMalformedToken},
		{"nbf a string", rawToken(hsHeader, validPayload(t, func(m map[string]any) { m["nbf"] = fmt.Sprint(testNow.Unix()) }), testSecret), CodeMalformedToken},
		{"crit header", rawToken(`{"alg":"HS256","crit":["exp"],"exp":1}`, validPayload(t, nil), testSecret), CodeMalformedToken},
		{"duplicate header key", rawToken(`{"alg":"HS256","alg":"HS256"}`, validPayload(t, nil), testSecret), CodeMalformedToken},
		{"duplicate claim", rawToken(hsHeader, strings.Replace(validPayload(t, nil), "{", `{"room":"r2",`, 1), testSecret), CodeMalformedToken},
		{"claim matched only by case", rawToken(hsHeader, validPayload(t, func(m map[string]any) { m["ROOM"] = "r2" }), testSecret), CodeMalformedToken},
		{"claim not UTF-8", rawToken(hsHeader, strings.Replace(validPayload(t, nil), "{", "{\"name\":\"a\xff\",", 1), testSecret), CodeMalformedToken},
		{"no exp", rawToken(hsHeader, validPayload(t, func(m map[string]any) { delete(m, "exp") }), testSecret), CodeMalformedToken},
		{"signature not base64", parts[0] + "." + parts[1] + ".***", CodeMalformedToken},
		{"too long", strings.Repeat("a", MaxTokenLength+1), CodeMalformedToken},
		{"alg none", none, CodeUnsupportedAlgorithm},
		{"alg none with a signature", rawToken(`{"alg":"none"}`, validPayload(t, nil), testSecret), CodeUnsupportedAlgorithm},
		{"alg NONE uppercase", rawToken(`{"alg":"NONE"}`, validPayload(t, nil), testSecret), CodeUnsupportedAlgorithm},
		{"alg HS384 correctly signed", hs384, CodeUnsupportedAlgorithm},
		{"alg RS256", rawToken(`{"alg":"RS256"}`, validPayload(t, nil), testSecret), CodeUnsupportedAlgorithm},
		{"alg missing", rawToken(`{"typ":"JWT"}`, validPayload(t, nil), testSecret), CodeUnsupportedAlgorithm},
		{"alg unknown", rawToken(`{"alg":"XX999"}`, validPayload(t, nil), testSecret), CodeUnsupportedAlgorithm},
		{"alg not a string", rawToken(`{"alg":256}`, validPayload(t, nil), testSecret), CodeUnsupportedAlgorithm},
		{"unknown key", rawToken(hsHeader, validPayload(t, func(m map[string]any) { m["iss"] = "nobody" }), testSecret), CodeUnknownKey},
		{"no iss", rawToken(hsHeader, validPayload(t, func(m map[string]any) { delete(m, "iss") }), testSecret), CodeUnknownKey},
		{"key with empty secret", rawToken(hsHeader, validPayload(t, func(m map[string]any) { m["iss"] = "emptykey" }), ""), CodeUnknownKey},
		{"wrong secret", otherSigned, CodeInvalidSignature},
		{"signature of another key", rawToken(hsHeader, validPayload(t, nil), otherSec), CodeInvalidSignature},
		{"tampered payload", parts[0] + "." + b64(validPayload(t, func(m map[string]any) { m["room"] = "r2" })) + "." + parts[2], CodeInvalidSignature},
		{"truncated signature", valid[:len(valid)-4], CodeInvalidSignature},
		{"empty signature", parts[0] + "." + parts[1] + ".", CodeInvalidSignature},
		{"expired beyond leeway", rawToken(hsHeader, validPayload(t, func(m map[string]any) { m["exp"] = testNow.Add(-Leeway - time.Second).Unix() }), testSecret), CodeTokenExpired},
		{"not yet valid beyond leeway", rawToken(hsHeader, validPayload(t, func(m map[string]any) { m["nbf"] = testNow.Add(Leeway + time.Second).Unix() }), testSecret), CodeTokenNotYetValid},
		{"expired and badly signed", rawToken(hsHeader, validPayload(t, func(m map[string]any) { m["exp"] = testNow.Add(-time.Hour).Unix() }), otherSec), CodeInvalidSignature},
	}
	v := testVerifier()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := v.Verify(tt.token)
			if err == nil {
				t.Fatalf("Verify accepted the token: %+v", claims)
			}
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T) is not an *auth.Error", err, err)
			}
			if ae.Code != tt.code {
				t.Fatalf("code = %q, want %q (error: %v)", ae.Code, tt.code, err)
			}
			if !IsCode(err, tt.code) || ae.HTTPStatus != http.StatusUnauthorized || ae.Message == "" {
				t.Fatalf("IsCode/status/message wrong: %+v", ae)
			}
			if claims != nil {
				t.Fatalf("claims returned with an error: %+v", claims)
			}
		})
	}
}

func TestVerifyAcceptsWithinLeeway(t *testing.T) {
	v := testVerifier()
	for name, mutate := range map[string]func(map[string]any){
		"just expired":           func(m map[string]any) { m["exp"] = testNow.Add(-Leeway + time.Second).Unix() },
		"nbf just ahead":         func(m map[string]any) { m["nbf"] = testNow.Add(Leeway - time.Second).Unix() },
		"no sub (API token)":     func(m map[string]any) { delete(m, "sub") },
		"no room, no grants":     func(m map[string]any) { delete(m, "room"); delete(m, "grants") },
		"unknown claims ignored": func(m map[string]any) { m["future"] = true; m["grants"] = map[string]any{"teleport": true} },
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := v.Verify(rawToken(hsHeader, validPayload(t, mutate), testSecret)); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestVerifyRealClock(t *testing.T) {
	tok, err := Sign(testKey, testSecret, TokenParams{Identity: "bob", Room: "r", Grants: DefaultParticipantGrants()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewVerifier(Keys{testKey: testSecret}).Verify(tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got := c.ExpiresAt.Sub(c.IssuedAt.Time); got != DefaultTTL {
		t.Fatalf("default TTL = %v, want %v", got, DefaultTTL)
	}
}

func TestVerifierCopiesKeys(t *testing.T) {
	keys := Keys{testKey: testSecret}
	v := NewVerifier(keys, WithClock(func() time.Time { return testNow }))
	delete(keys, testKey)
	if _, err := v.Verify(mustSign(t, TokenParams{Identity: "a", TTL: time.Hour})); err != nil {
		t.Fatalf("Verify after the caller's map changed: %v", err)
	}
}

func TestSignRefusals(t *testing.T) {
	tests := []struct {
		name        string
		key, secret string
		p           TokenParams
		want        error
	}{
		{"empty key", "", testSecret, TokenParams{}, ErrEmptyKey},
		{"empty secret", testKey, "", TokenParams{}, ErrEmptyKey},
		{"negative ttl", testKey, testSecret, TokenParams{TTL: -time.Second}, ErrInvalidTTL},
		{"join without identity", testKey, testSecret, TokenParams{Grants: Grants{Join: true}}, ErrMissingIdentity},
		{"unknown source", testKey, testSecret, TokenParams{Identity: "a", Grants: Grants{Publish: true, Sources: []string{"webcam"}}}, ErrUnknownSource},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Sign(tt.key, tt.secret, tt.p); !errors.Is(err, tt.want) {
				t.Fatalf("Sign error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSignNotBefore(t *testing.T) {
	v := testVerifier()
	tok := mustSign(t, TokenParams{Identity: "a", NotBefore: testNow.Add(time.Hour), TTL: time.Hour})
	if _, err := v.Verify(tok); !IsCode(err, CodeTokenNotYetValid) {
		t.Fatalf("Verify = %v, want %s", err, CodeTokenNotYetValid)
	}
	// An old token: valid for an hour, two hours ago.
	tok = mustSign(t, TokenParams{Identity: "a", NotBefore: testNow.Add(-2 * time.Hour), TTL: time.Hour})
	if _, err := v.Verify(tok); !IsCode(err, CodeTokenExpired) {
		t.Fatalf("Verify = %v, want %s", err, CodeTokenExpired)
	}
}
