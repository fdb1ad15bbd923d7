package recording_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(recorderProcessEnv) != "" {
		os.Exit(runRecorderProcess())
	}
	goleak.VerifyTestMain(m)
}
