package loadtest

import (
	"testing"

	"go.uber.org/goleak"
)

// No goroutine of the load generator, its clients or the test server outlives a test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
