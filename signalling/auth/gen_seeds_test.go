package auth

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestGenerateFuzzSeeds rewrites the committed seed corpus when ENSEMBLE_GEN_SEEDS=1.
func TestGenerateFuzzSeeds(t *testing.T) {
	if os.Getenv("ENSEMBLE_GEN_SEEDS") != "1" {
		t.Skip("set ENSEMBLE_GEN_SEEDS=1 to regenerate testdata/fuzz/FuzzVerify")
	}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": testKey, "sub": "alice", "exp": testNow.Add(time.Hour).Unix()}).
		SignedString(jwt.UnsafeAllowNoneSignatureType)
	hs384, _ := jwt.NewWithClaims(jwt.SigningMethodHS384, jwt.MapClaims{"iss": testKey, "sub": "alice", "exp": testNow.Add(time.Hour).Unix()}).
		SignedString([]byte(testSecret))
	g := DefaultParticipantGrants()
	g.Sources = []string{"camera"}
	seeds := map[string]string{
		"valid":         mustSign(t, TokenParams{Identity: "alice", Name: "Alice", Metadata: "{}", Room: "r1", Grants: g, TTL: time.Hour}),
		"expired":       mustSign(t, TokenParams{Identity: "alice", Room: "r1", NotBefore: testNow.Add(-3 * time.Hour), TTL: time.Hour}),
		"none_alg":      none,
		"hs384":         hs384,
		"garbage":       "garbage\x00\xff..",
		"bad_json":      rawToken(hsHeader, `{"iss":"testkey","exp":`, testSecret),
		"unknown_key":   rawToken(hsHeader, validPayload(t, func(m map[string]any) { m["iss"] = "nobody" }), testSecret),
		"empty_segment": "..",
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	for name, s := range seeds {
		body := fmt.Sprintf("go test fuzz v1\nstring(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
