package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// A server process killed with SIGKILL while it records leaves no silent loss:
// started again on the same data directory, it marks the recording failed,
// says it was interrupted, and lists the files the recorder had written as
// partial, each with its size.
func TestRecordingInterruptedByKill9IsFailedWithItsPartialFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	dataDir := t.TempDir()
	port := freePort(t)
	child := startServeProcess(t, port, "--dev", "--data-dir", dataDir,
		"--recording-node", "crash-node", "--recording-min-free-mb", "1")
	baseURL := child.url
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin := adminClient(t, baseURL)
	if _, err := admin.CreateRoom(ctx, apiwire.CreateRoomRequest{Name: "hearing"}); err != nil {
		t.Fatal(err)
	}
	stopSpeaking := speakTo(ctx, t, baseURL, "hearing", "alice")
	rec, err := admin.StartRecording(ctx, "hearing", apiwire.StartRecordingRequest{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(dataDir, "recordings", rec.ID)
	poll(ctx, t, "the recording under way with media on disk", func() bool {
		r, err := admin.GetRecording(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status == store.RecordingRecording && dirBytes(dir) > 8<<10
	})
	if err := child.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-child.exited
	stopSpeaking()

	url, stop := startServe(t, port, "--dev", "--data-dir", dataDir, "--recording-node", "crash-node",
		"--recording-min-free-mb", "1")
	defer stop()
	got, err := adminClient(t, url).GetRecording(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.RecordingFailed || !strings.Contains(got.Reason, "interrupted") || len(got.Files) == 0 {
		t.Fatalf("after the restart: %+v", got)
	}
	for _, f := range got.Files {
		if !f.Partial || f.Bytes <= 0 || !strings.HasPrefix(f.Path, dir) || f.Kind != "audio" {
			t.Errorf("partial file %+v", f)
		}
	}
}

// speakTo joins room on the server at baseURL and plays the Opus clip until
// the returned stop is called.
func speakTo(ctx context.Context, t *testing.T, baseURL, room, identity string) (stop func()) {
	t.Helper()
	tok := participantToken(t, room, identity)
	c, err := client.Join(ctx, baseURL, tok)
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
	pctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for pctx.Err() == nil {
			_ = clienttest.PlayClip(pctx, mic, opus)
		}
	})
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait(); _ = c.Close() }) }
	t.Cleanup(stop)
	return stop
}

func poll(ctx context.Context, t *testing.T, what string, cond func() bool) {
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

func dirBytes(dir string) int64 {
	entries, _ := os.ReadDir(dir)
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			n += info.Size()
		}
	}
	return n
}
