package codec

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if !Built {
		fmt.Fprintln(os.Stderr, "codec: built without the SIP codecs; run the tests with -tags sipcodecs (scripts/test does)")
		if os.Getenv("CI") == "true" {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
