package storetest

import (
	"os/exec"
	"sync"
	"testing"
)

// RestartableRedis is a private redis-server that keeps its data on disk (an
// append-only file written at every command), so that a test can restart it, as
// an operator's Redis restarts, and find its data again.
type RestartableRedis struct {
	Addr string

	t    testing.TB
	bin  string
	port int
	dir  string

	mu   sync.Mutex
	stop func()
}

var persistent = []string{"--save", "", "--appendonly", "yes", "--appendfsync", "always"}

// StartRestartableRedis starts a RestartableRedis on a free port, stopped when the
// test ends. Without redis-server the test is skipped (failed under CI=true), as
// with StartRedis.
func StartRestartableRedis(t testing.TB) *RestartableRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		StartRedis(t) // skips or fails with the reason
		return nil
	}
	r := &RestartableRedis{t: t, bin: bin, dir: t.TempDir()}
	var lastErr error
	for range 3 {
		if r.port, err = freePort(); err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		if r.Addr, r.stop, lastErr = launchRedis(bin, r.port, r.dir, persistent...); lastErr == nil {
			t.Cleanup(r.Stop)
			return r
		}
	}
	t.Fatalf("start redis-server: %v", lastErr)
	return nil
}

// Stop stops the server (its data stays on disk).
func (r *RestartableRedis) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stop != nil {
		r.stop()
		r.stop = nil
	}
}

// Start starts the stopped server again on the same port with the same data.
func (r *RestartableRedis) Start() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stop != nil {
		return
	}
	_, stop, err := launchRedis(r.bin, r.port, r.dir, persistent...)
	if err != nil {
		r.t.Fatalf("restart redis-server on %s: %v", r.Addr, err)
	}
	r.stop = stop
}
