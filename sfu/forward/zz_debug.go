package forward

import (
	"fmt"
	"os"
)

var fwdDebug = os.Getenv("FWD_DEBUG") != ""

func dbg(format string, args ...any) {
	if fwdDebug {
		fmt.Fprintf(os.Stderr, "FWD "+format+"\n", args...)
	}
}
