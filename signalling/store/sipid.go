package store

import (
	"crypto/rand"
	"fmt"
	"math/big"
)

// SIP ids are 10 digits without a leading zero: long enough that guessing one is
// hopeless at dial-in rates (9e9 values), short enough to type on a phone.
var (
	sipIDMin   = big.NewInt(1_000_000_000)
	sipIDRange = big.NewInt(9_000_000_000)
)

// sipIDAttempts bounds allocation retries; a collision is already rare below millions of meetings.
const sipIDAttempts = 16

// NewSIPID returns a random 10-digit numeric id. Uniqueness is checked by the store
// when the meeting is created.
func NewSIPID() string {
	n, err := rand.Int(rand.Reader, sipIDRange)
	if err != nil {
		panic(fmt.Sprintf("store: crypto/rand failed: %v", err))
	}
	return n.Add(n, sipIDMin).String()
}
