package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/worker"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// workerProcessEnv makes the test binary run as a record worker process, its
// configuration (worker.Config as JSON) in the variable: the test kills it.
const workerProcessEnv = "ENSEMBLE_TEST_RECORD_WORKER"

// runWorkerProcess is the worker process's main: it records until killed.
func runWorkerProcess() int {
	var cfg worker.Config
	if err := json.Unmarshal([]byte(os.Getenv(workerProcessEnv)), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := worker.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := w.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// A record worker process killed (SIGKILL) in the middle of a recording stops
// renewing its claim: the server marks the recording failed once the lease
// lapses, with the reason and the files the worker had written, as partial.
// Nothing stays "recording" for ever.
func TestKilledWorkerRecordingEndsFailed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const ttl = 2 * time.Second
	q := queueRecording(ctx, t, "hearing", ttl)
	srv, admin, rec := q.srv, q.admin, q.rec
	leases, stopLeases := context.WithCancel(ctx)
	var watching sync.WaitGroup
	watching.Go(func() { q.queue.WatchLeases(leases) })
	defer func() { stopLeases(); watching.Wait() }()

	dir := t.TempDir()
	cfg, err := json.Marshal(worker.Config{URL: srv.URL, APIKey: srv.APIKey, APISecret: srv.APISecret, Node: "worker-doomed",
		Dir: dir, MinFreeBytes: 1 << 20, Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	proc := exec.Command(os.Args[0], "-test.run=^$")
	proc.Env = append(os.Environ(), workerProcessEnv+"="+string(cfg))
	proc.Stderr = t.Output()
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = proc.Process.Kill()
			_ = proc.Wait()
		}
	}()

	// The worker records, and its renewals list its file as it grows.
	running := waitStatus(ctx, t, admin, rec.ID, store.RecordingRecording)
	if running.Node != "worker-doomed" || running.LeaseUntil.IsZero() {
		t.Fatalf("recording %+v, want claimed by worker-doomed with a lease", running)
	}
	waitFor(ctx, t, "the renewals to list the recorded file", func() bool {
		got, err := admin.GetRecording(ctx, rec.ID)
		return err == nil && len(got.Files) == 1 && got.Files[0].Bytes > 4<<10
	})

	if err := proc.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()
	killed = true

	failed := waitStatus(ctx, t, admin, rec.ID, store.RecordingFailed)
	if !strings.Contains(failed.Reason, "worker-doomed") || !strings.Contains(failed.Reason, "partial") || failed.EndedAt.IsZero() {
		t.Errorf("reason %q, ended %v", failed.Reason, failed.EndedAt)
	}
	if len(failed.Files) != 1 || !failed.Files[0].Partial || !strings.HasPrefix(failed.Files[0].Path, filepath.Join(dir, rec.ID)) {
		t.Fatalf("files %+v, want the worker's file, partial", failed.Files)
	}
	if _, err := os.Stat(failed.Files[0].Path); err != nil {
		t.Errorf("the partial file: %v", err)
	}
}
