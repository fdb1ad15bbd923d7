package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/store"
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

// The server process is killed with SIGKILL in the middle of a burst of 20 meeting
// creations, 3 times: the store file it leaves holds no meeting without its room
// (checked on the file itself, before any restart could repair it), and a retry of
// every request with its Idempotency-Key on a restarted server gets a meeting whose
// room exists.
func TestMeetingCreationSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	dataDir := t.TempDir()
	port := freePort(t)
	args := []string{"--dev", "--data-dir", dataDir, "--http-port", strconv.Itoa(port), "--udp-port", "0",
		"--tcp-port", "-1", "--turn-udp-port", "0", "--log-level", "error"}
	baseURL := "http://127.0.0.1:" + strconv.Itoa(port)
	const burst = 20
	for round := range 3 {
		child := exec.Command(os.Args[0], "-test.run=^$")
		child.Env = append(os.Environ(), serveChildEnv+"="+strings.Join(args, "\t"))
		child.Stderr = os.Stderr
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() {
			_ = child.Wait()
			close(exited)
		}()
		waitReady(t, baseURL, exited)
		c := adminClient(t, baseURL)

		// Fire the burst; kill the process once a few creations have answered, so
		// that others are in flight.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		answered := make(chan struct{}, burst)
		var wg sync.WaitGroup
		for i := range burst {
			wg.Go(func() {
				_, _, err := c.CreateMeeting(ctx, meetingRequest(round, i), idemKey(round, i))
				if err == nil {
					answered <- struct{}{}
				}
			})
		}
		for range 3 {
			select {
			case <-answered:
			case <-ctx.Done():
				t.Fatal("no creation answered")
			}
		}
		if err := child.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-exited
		wg.Wait()
		cancel()

		// The file as the killed process left it.
		st, err := store.OpenBolt(filepath.Join(dataDir, store.BoltFileName))
		if err != nil {
			t.Fatal(err)
		}
		meetings, err := st.ListMeetings(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range meetings {
			if _, err := st.GetRoom(t.Context(), m.Room); err != nil {
				t.Errorf("round %d: meeting %s has no room %s: %v", round, m.ID, m.Room, err)
			}
		}
		st.Close()
		t.Logf("round %d: %d meetings on file after the kill, none without its room", round, len(meetings))
	}

	// Every request retried on a restarted server finds or makes its meeting, with a room.
	url, stop := startServe(t, port, "--dev", "--data-dir", dataDir)
	defer stop()
	c := adminClient(t, url)
	for round := range 3 {
		for i := range burst {
			m, _, err := c.CreateMeeting(t.Context(), meetingRequest(round, i), idemKey(round, i))
			if err != nil {
				t.Fatalf("retry %d/%d: %v", round, i, err)
			}
			if room, err := c.GetRoom(t.Context(), m.Room); err != nil || !room.Stored {
				t.Fatalf("retry %d/%d: room %s: %+v %v", round, i, m.Room, room, err)
			}
		}
	}
}

func meetingRequest(round, i int) apiwire.CreateMeetingRequest {
	start := time.Date(2030, 1, 1+round, 8+i%10, 0, 0, 0, time.UTC)
	return apiwire.CreateMeetingRequest{Title: fmt.Sprintf("Crash %d/%d", round, i),
		Start: start.Format(time.RFC3339), End: start.Add(time.Hour).Format(time.RFC3339)}
}

func idemKey(round, i int) string { return fmt.Sprintf("crash-%d-%d", round, i) }

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
