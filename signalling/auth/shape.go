package auth

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/ensemble-sfu/ensemble/internal/strictjson"
)

// timeClaims are the claims that must be JSON numbers (RFC 7519 NumericDate). The
// jwt library also takes a string that holds a number ("exp":"1700000000"), which
// no conforming issuer sends.
var timeClaims = []string{"exp", "nbf", "iat"}

// checkShape refuses what the jwt library accepts but a careful verifier does not:
// a crit header (RFC 7515 §4.1.11: a critical extension we do not understand must
// be refused, and we understand none), and header or claims JSON with duplicate
// keys, keys that match a claim only by case, invalid UTF-8, or time claims that
// are not numbers. It runs before the signature is checked so that every token gets
// the same answer, signed or not. Errors are *Error with CodeMalformedToken.
func checkShape(token string, header map[string]any) error {
	if crit, ok := header["crit"]; ok {
		return newError(CodeMalformedToken, fmt.Sprintf("token header names critical extensions %v; none is supported", crit), nil)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return newError(CodeMalformedToken, "token does not have three parts", nil)
	}
	headerJSON, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return newError(CodeMalformedToken, "token header is not base64url", err)
	}
	if err := strictjson.Check(headerJSON, reflect.TypeFor[map[string]any](), strictjson.Options{}); err != nil {
		return newError(CodeMalformedToken, "token header: "+err.Error(), nil)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return newError(CodeMalformedToken, "token claims are not base64url", err)
	}
	if err := strictjson.Check(payload, reflect.TypeFor[Claims](), strictjson.Options{}); err != nil {
		return newError(CodeMalformedToken, "token claims: "+err.Error(), nil)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raw); err != nil {
		return newError(CodeMalformedToken, "token claims are not a JSON object", err)
	}
	for _, name := range timeClaims {
		v, ok := raw[name]
		if !ok || string(v) == "null" {
			continue
		}
		if c := v[0]; c != '-' && (c < '0' || c > '9') {
			return newError(CodeMalformedToken, fmt.Sprintf("claim %q must be a number of seconds, not %s", name, truncateClaim(string(v))), nil)
		}
	}
	return nil
}
