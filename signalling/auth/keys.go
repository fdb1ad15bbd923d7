package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Keys maps an API key (the token's iss) to its secret.
type Keys map[string]string

// The development key pair, used by `ensemble serve --dev` and `ensemble token --dev`.
// It is public: the configuration refuses it outside development mode.
const (
	DevAPIKey    = "devkey"
	DevAPISecret = "ensemble-development-secret-do-not-use-in-production"
)

// MinSecretLength is the shortest secret accepted in production (HS256 keys shorter
// than the hash output weaken it).
const MinSecretLength = 32

// DevKeys returns the development key pair as a Keys map.
func DevKeys() Keys { return Keys{DevAPIKey: DevAPISecret} }

// Names returns the API keys, sorted (never the secrets, so it is safe to log).
func (k Keys) Names() []string {
	out := make([]string, 0, len(k))
	for name := range k {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// ParseKeyList parses "key1:secret1,key2:secret2" (the ENSEMBLE_KEYS format). A
// secret may itself contain ':' (only the first one separates). Errors name the
// offending item by position, never by content, so secrets stay out of logs.
func ParseKeyList(s string) (Keys, error) {
	keys := Keys{}
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, secret, ok := strings.Cut(item, ":")
		name, secret = strings.TrimSpace(name), strings.TrimSpace(secret)
		if !ok || name == "" || secret == "" {
			return nil, fmt.Errorf("item %d: want key:secret", i+1)
		}
		if _, dup := keys[name]; dup {
			return nil, fmt.Errorf("item %d: key %q given twice", i+1, name)
		}
		keys[name] = secret
	}
	return keys, nil
}
