package meeting

import (
	"crypto/rand"
	"fmt"
	"regexp"
)

// Room names look like "abc-defg-hij": easy to read aloud and to type, letters only
// so that they never collide with numeric SIP ids. 26^10 ≈ 1.4e14 names.
const roomLetters = "abcdefghijklmnopqrstuvwxyz"

// roomNamePattern is what a caller-chosen room name may look like.
var roomNamePattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$`)

// GenerateRoomName returns a random readable room name such as "abc-defg-hij".
func GenerateRoomName() string {
	b := randomFrom(roomLetters, 10)
	return b[0:3] + "-" + b[3:7] + "-" + b[7:10]
}

// idLetters avoids look-alike characters (no 0/o, 1/l/i) because ids are read in URLs and logs.
const idLetters = "abcdefghjkmnpqrstuvwxyz23456789"

// NewID returns a random meeting id ("mtg_" + 20 characters, ~99 bits of entropy).
func NewID() string {
	return "mtg_" + randomFrom(idLetters, 20)
}

// randomFrom draws n characters uniformly from alphabet with crypto/rand
// (rejection sampling, so no modulo bias).
func randomFrom(alphabet string, n int) string {
	out := make([]byte, 0, n)
	limit := 256 - 256%len(alphabet)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			// crypto/rand.Read never fails on Linux ≥ 3.17 (getrandom); if it does, the
			// process cannot make safe ids at all.
			panic(fmt.Sprintf("meeting: crypto/rand failed: %v", err))
		}
		for _, c := range buf {
			if int(c) < limit && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// maxSIPIDDigits bounds what may be a SIP id (the store allocates 10 digits;
// longer numbers are accepted in case an installation imports its own).
const maxSIPIDDigits = 20

// IsSIPID reports whether s has the shape of a meeting's SIP id: 1 to 20 digits.
// Meeting ids ("mtg_...") and room names never do.
func IsSIPID(s string) bool {
	if s == "" || len(s) > maxSIPIDDigits {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
