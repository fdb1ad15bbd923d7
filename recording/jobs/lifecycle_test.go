package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// A room created with auto_record is recorded as soon as someone joins, and
// the recording completes when the room closes.
func TestAutoRecordStartsWithTheFirstParticipant(t *testing.T) {
	e := newEnv(t)
	if _, err := e.admin.CreateRoom(e.ctx, apiwire.CreateRoomRequest{Name: "council", AutoRecord: true}); err != nil {
		t.Fatal(err)
	}
	alice, _ := e.speak("council", "alice")
	var rec store.Recording
	e.waitFor("an automatic recording", func() bool {
		recs, err := e.admin.ListRecordings(e.ctx, "council")
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) > 0 {
			rec = recs[0]
		}
		return len(recs) == 1 && recs[0].Status == store.RecordingRecording
	})
	e.waitRecorded(rec.ID, 4<<10)
	if err := alice.Leave(e.ctx); err != nil {
		t.Fatal(err)
	}
	done := e.waitStatus(rec.ID, store.RecordingComplete)
	if len(done.Files) != 1 || done.Files[0].ParticipantIdentity != "alice" {
		t.Fatalf("files %+v", done.Files)
	}
}

// Without ffmpeg a composite recording still completes with its per-track
// files, and its reason says that composition is unavailable.
func TestCompositeWithoutFFmpegSaysSo(t *testing.T) {
	e := newEnv(t, func(c *jobs.Config) { c.FFmpeg = "ffmpeg-not-installed-here" })
	if err := e.runner.ComposeUnavailable(); err == nil {
		t.Fatal("runner says composition is available without ffmpeg")
	}
	if _, err := e.admin.CreateRoom(e.ctx, apiwire.CreateRoomRequest{Name: "nofx"}); err != nil {
		t.Fatal(err)
	}
	e.speak("nofx", "alice")
	rec, err := e.admin.StartRecording(e.ctx, "nofx", apiwire.StartRecordingRequest{Composite: true, Layout: "grid"})
	if err != nil {
		t.Fatal(err)
	}
	e.waitStatus(rec.ID, store.RecordingRecording)
	e.waitRecorded(rec.ID, 4<<10)
	if _, err := e.admin.StopRecording(e.ctx, "nofx", rec.ID); err != nil {
		t.Fatal(err)
	}
	done := e.waitStatus(rec.ID, store.RecordingComplete)
	if !strings.Contains(done.Reason, "composition unavailable") || !strings.Contains(done.Reason, "ffmpeg") ||
		done.Composite != nil || len(done.Files) != 1 {
		t.Fatalf("recording %+v", done)
	}
}

// A recording that its node left unfinished (the process was killed) is
// marked failed when the node starts again, with the files found on disk
// listed as partial; other nodes' recordings and finished ones are left alone.
func TestRecoverMarksInterruptedRecordingsFailed(t *testing.T) {
	ctx := t.Context()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := t.TempDir()
	now := time.Now().UTC()
	for _, r := range []store.Recording{
		{ID: "RC_cut", Room: "a", Status: store.RecordingRecording, Node: "node-1", CreatedAt: now},
		{ID: "RC_other", Room: "b", Status: store.RecordingRecording, Node: "node-2", CreatedAt: now},
		{ID: "RC_done", Room: "c", Status: store.RecordingComplete, Node: "node-1", CreatedAt: now},
	} {
		if err := st.CreateRecording(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "RC_cut"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "RC_cut", "alice-microphone-TR_1-1.ogg"), make([]byte, 1234), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := jobs.New(jobs.Config{Store: st, Dir: dir, Node: "node-1", Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	failed, err := r.Recover(ctx)
	if err != nil || len(failed) != 1 || failed[0] != "RC_cut" {
		t.Fatalf("recovered %v, %v", failed, err)
	}
	cut, _ := st.GetRecording(ctx, "RC_cut")
	if cut.Status != store.RecordingFailed || !strings.Contains(cut.Reason, "interrupted") || len(cut.Files) != 1 ||
		!cut.Files[0].Partial || cut.Files[0].Bytes != 1234 || cut.Files[0].Kind != "audio" {
		t.Fatalf("interrupted recording %+v", cut)
	}
	for id, want := range map[string]store.RecordingStatus{"RC_other": store.RecordingRecording, "RC_done": store.RecordingComplete} {
		if got, _ := st.GetRecording(ctx, id); got.Status != want {
			t.Errorf("%s: %s, want %s", id, got.Status, want)
		}
	}
}
