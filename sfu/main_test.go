package sfu

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when any goroutine outlives the tests: every
// engine, room, participant and peer connection must stop its goroutines.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
