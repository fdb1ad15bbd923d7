package sip_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/ensemble-sfu/ensemble/sip"
)

func TestMain(m *testing.M) {
	if !sip.CodecsBuilt() {
		fmt.Fprintln(os.Stderr, "sip: built without the SIP codecs; run the tests with -tags sipcodecs (scripts/test does)")
		if os.Getenv("CI") == "true" {
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}
