package auth

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary strings to the token parser: it must never panic, and
// must either return claims (then no error) or an *Error with a known code.
// Seeds are in testdata/fuzz/FuzzVerify (a valid token for the fixed test clock, an
// alg=none token, an HS384 token, garbage).
func FuzzVerify(f *testing.F) {
	f.Add(mustSign(f, TokenParams{Identity: "alice", Room: "r1", Grants: DefaultParticipantGrants(), TTL: time.Hour}))
	f.Add("a.b.c")
	v := testVerifier()
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := v.Verify(token)
		if err == nil {
			if claims == nil {
				t.Fatal("nil claims and nil error")
			}
			// Whatever the token says, the helpers must not panic either.
			_ = claims.CheckJoin("r1")
			_ = claims.CheckPublishSource("screen_share")
			_ = claims.Grants.Permissions()
			return
		}
		var ae *Error
		if !errors.As(err, &ae) {
			t.Fatalf("error %v (%T) is not an *auth.Error", err, err)
		}
		if !slices.Contains(Codes, ae.Code) || ae.HTTPStatus == 0 {
			t.Fatalf("unknown code or status: %+v", ae)
		}
		if claims != nil {
			t.Fatal("claims returned with an error")
		}
	})
}
