package sfu

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

// newSID returns a random server id with a readable prefix ("RM_", "PA_", "TR_").
func newSID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}
