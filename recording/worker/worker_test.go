package worker_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/recording/worker"
	"github.com/ensemble-sfu/ensemble/signalling/apiclient"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestMain(m *testing.M) {
	if os.Getenv(workerProcessEnv) != "" {
		os.Exit(runWorkerProcess())
	}
	goleak.VerifyTestMain(m)
}

// A server that queues its recordings records nothing itself: a record worker
// (another runner, talking to the server only through its API) claims the
// job, records the room, follows the stop asked through the API, and reports
// the recording complete with its files, which are on the worker's disk.
func TestRecordWorkerRecordsAQueuedJob(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	q := queueRecording(ctx, t, "plenary", 0)
	srv, admin, rec := q.srv, q.admin, q.rec
	if rec.Node != "" || rec.Status != store.RecordingStarting {
		t.Fatalf("queued recording %+v, want no node yet", rec)
	}

	dir := t.TempDir()
	w, err := worker.New(worker.Config{URL: srv.URL, APIKey: srv.APIKey, APISecret: srv.APISecret, Node: "worker-1",
		Dir: dir, MinFreeBytes: 1 << 20, Poll: 50 * time.Millisecond, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	wctx, stopWorker := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() {
		stopWorker()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	}()

	got := waitStatus(ctx, t, admin, rec.ID, store.RecordingRecording)
	if got.Node != "worker-1" || got.Location != filepath.Join(dir, rec.ID) {
		t.Fatalf("recording %+v, want claimed by worker-1 with its files in %s", got, dir)
	}
	waitFor(ctx, t, "recorded media", func() bool {
		entries, _ := os.ReadDir(filepath.Join(dir, rec.ID))
		for _, e := range entries {
			if info, err := e.Info(); err == nil && info.Size() > 4<<10 {
				return true
			}
		}
		return false
	})
	if _, err := admin.StopRecording(ctx, "plenary", rec.ID); err != nil {
		t.Fatal(err)
	}
	complete := waitStatus(ctx, t, admin, rec.ID, store.RecordingComplete)
	if len(complete.Files) != 1 || complete.Files[0].ParticipantIdentity != "alice" || len(complete.Manifest) == 0 {
		t.Fatalf("complete recording %+v", complete)
	}
	if _, err := os.Stat(complete.Files[0].Path); err != nil {
		t.Fatalf("the worker's file: %v", err)
	}
	waitFor(ctx, t, "the worker's place freed", func() bool { return w.Running() == 0 })
}

func speak(ctx context.Context, t *testing.T, srv *servertest.Server, room, identity string) {
	n, err := clienttest.NewNetwork()
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Join(ctx, srv.URL, srv.Token(room, identity), client.WithNet(n))
	if err != nil {
		t.Fatal(err)
	}
	mic, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
	if err != nil {
		t.Fatal(err)
	}
	opus, err := clip.ParseOgg(clips.Opus)
	if err != nil {
		t.Fatal(err)
	}
	pctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for pctx.Err() == nil {
			_ = clienttest.PlayClip(pctx, mic, opus)
		}
	})
	t.Cleanup(func() { stop(); wg.Wait(); _ = c.Close() })
}

func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func waitStatus(ctx context.Context, t *testing.T, c *apiclient.Client, id string, s store.RecordingStatus) store.Recording {
	t.Helper()
	var rec store.Recording
	waitFor(ctx, t, "status "+string(s), func() bool {
		var err error
		if rec, err = c.GetRecording(ctx, id); err != nil {
			t.Fatal(err)
		}
		if rec.Status.Ended() && rec.Status != s {
			t.Fatalf("recording failed: %s", rec.Reason)
		}
		return rec.Status == s
	})
	return rec
}

func testLogger(t *testing.T) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("ENSEMBLE_TEST_LOG"))); err != nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: level}))
}
