package jobs

import (
	"fmt"
	"os"

	"syscall"
)

// DefaultMinFreeBytes is the free space a recording needs to start: about an
// hour of a four-person room's tracks.
const DefaultMinFreeBytes = 1 << 30

// checkSpace refuses with ErrNoSpace when dir's file system has less than min
// bytes available to this process.
func checkSpace(dir string, min uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("recording: recordings directory: %w", err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return fmt.Errorf("recording: free space of %s: %w", dir, err)
	}
	free := st.Bavail * uint64(st.Bsize)
	if free < min {
		return fmt.Errorf("%w: %s has %d MiB free, a recording needs at least %d MiB", ErrNoSpace, dir, free>>20, min>>20)
	}
	return nil
}
