package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serveChildEnv makes the test binary run `ensemble serve` with the arguments it
// holds (tab-separated) instead of the tests: a server process the test can kill.
const serveChildEnv = "ENSEMBLE_TEST_SERVE_CHILD"

// runServeChild is the child's main: serve until SIGTERM (or SIGKILL).
func runServeChild(args string) int { return runChild("serve", runServe, args) }

// runChild runs a subcommand (run) with args (tab-separated) until SIGTERM,
// as main does, and returns the process's exit code.
func runChild(name string, run func(context.Context, []string) error, args string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, strings.Split(args, "\t")); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, name+":", err)
		return 1
	}
	return 0
}

// serveProcess is `ensemble serve` in a child process, which a test can kill.
type serveProcess struct {
	url    string
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process ended
	err    error         // its exit status, once exited is closed
}

// startServeProcess runs `ensemble serve` on port in a child process (the test
// binary, see runServeChild) and waits until it is ready.
func startServeProcess(t *testing.T, port int, args ...string) *serveProcess {
	t.Helper()
	args = append([]string{"--http-port", strconv.Itoa(port), "--udp-port", "0", "--tcp-port", "-1",
		"--turn-udp-port", "0", "--log-level", "error"}, args...)
	p := &serveProcess{url: "http://127.0.0.1:" + strconv.Itoa(port), exited: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), serveChildEnv+"="+strings.Join(args, "\t"))
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	waitReady(t, p.url, p.exited)
	return p
}

// waitReady waits until the child serves /readyz, or fails when it exits first.
func waitReady(t *testing.T, baseURL string, exited <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(baseURL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			t.Fatal("server process exited before it was ready")
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatal("server process not ready after 20 s")
}
