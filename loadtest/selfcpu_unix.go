//go:build unix

package loadtest

import (
	"syscall"
	"time"
)

// selfCPU is the CPU time (user and system) the generator's process has used so
// far: the kernel's own accounting, the utime and stime of /proc/self/stat.
func selfCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
