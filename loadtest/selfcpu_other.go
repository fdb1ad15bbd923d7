//go:build !unix

package loadtest

import "time"

// selfCPU is not measured on this system.
func selfCPU() (time.Duration, bool) { return 0, false }
