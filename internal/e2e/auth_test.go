package e2e

import (
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/golang-jwt/jwt/v5"
)

// Every reason to refuse a join reaches the client as its own error code.
func TestJoinRefusalsCarryDistinctCodes(t *testing.T) {
	ctx := testCtx(t, 20*time.Second)
	srv := servertestStart(t, servertestMaxParticipants(1))
	full := join(t, ctx, srv, "full", "first")
	_ = full

	sign := func(key, secret string, p auth.TokenParams) string {
		t.Helper()
		tok, err := auth.Sign(key, secret, p)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	raw := func(method jwt.SigningMethod, key any, claims auth.Claims) string {
		t.Helper()
		tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	grants := auth.DefaultParticipantGrants()
	valid := auth.TokenParams{Identity: "x", Room: "r", Grants: grants, TTL: time.Hour}
	claims := auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: srv.APIKey, Subject: "x", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))},
		Room:             "r", Grants: grants,
	}
	noIdentity := claims
	noIdentity.Subject = ""

	tests := []struct {
		name  string
		token string
		opts  []client.Option
		code  string
	}{
		{"no token", "", nil, auth.CodeMissingToken},
		{"not a JWT", "not-a-token", nil, auth.CodeMalformedToken},
		{"HS512", raw(jwt.SigningMethodHS512, []byte(srv.APISecret), claims), nil, auth.CodeUnsupportedAlgorithm},
		{"alg none", raw(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims), nil, auth.CodeUnsupportedAlgorithm},
		{"unknown key", sign("other-key", srv.APISecret, valid), nil, auth.CodeUnknownKey},
		{"wrong secret", sign(srv.APIKey, "not-the-secret", valid), nil, auth.CodeInvalidSignature},
		{"expired", sign(srv.APIKey, srv.APISecret, auth.TokenParams{Identity: "x", Room: "r", Grants: grants, TTL: time.Hour, IssuedAt: time.Now().Add(-2 * time.Hour)}), nil, auth.CodeTokenExpired},
		{"not yet valid", sign(srv.APIKey, srv.APISecret, auth.TokenParams{Identity: "x", Room: "r", Grants: grants, TTL: time.Hour, NotBefore: time.Now().Add(time.Hour)}), nil, auth.CodeTokenNotYetValid},
		{"other room", srv.Token("r", "x"), []client.Option{client.WithRoom("elsewhere")}, auth.CodeWrongRoom},
		{"no join grant", srv.Token("r", "x", "subscribe"), nil, auth.CodeMissingGrant},
		{"no identity", raw(jwt.SigningMethodHS256, []byte(srv.APISecret), noIdentity), nil, auth.CodeMissingIdentity},
		{"room full", srv.Token("full", "second"), nil, "room_full"},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := client.Join(ctx, srv.URL, tt.token, append([]client.Option{client.WithLogger(testLogger())}, tt.opts...)...)
			if err == nil {
				c.Close()
				t.Fatal("join succeeded")
			}
			if got := client.ErrorCode(err); got != tt.code {
				t.Fatalf("code %q, want %q (error: %v)", got, tt.code, err)
			}
			if prev, dup := seen[tt.code]; dup && tt.code != auth.CodeUnsupportedAlgorithm {
				t.Errorf("code %q also given for %q", tt.code, prev)
			}
			seen[tt.code] = tt.name
		})
	}
}
