package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// `ensemble room record start|get|list|stop` drive the recordings API. The
// server here queues its recordings (no worker runs), so the stop of a queued
// recording fails it at once; the recorded path is tested with real recorders
// in recording/jobs.
func TestCLIRecord(t *testing.T) {
	e := newEnv(t, func(d *Deps) {
		r, err := jobs.New(jobs.Config{Store: d.Store, Dir: t.TempDir(), Node: "cli", Queue: true, Logger: d.Logger})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close(context.Background()) })
		d.Recordings = r
	})
	e.mustRun("create", "--name", "council", "--auto-record")
	var room apiwire.Room
	if err := json.Unmarshal([]byte(e.mustRun("get", "council")), &room); err != nil || !room.AutoRecord {
		t.Fatalf("room %+v, %v", room, err)
	}

	var rec store.Recording
	if err := json.Unmarshal([]byte(e.mustRun("record", "start", "council", "--layout", "grid")), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Room != "council" || rec.Status != store.RecordingStarting || !rec.Options.Composite || rec.Options.Layout != "grid" {
		t.Fatalf("started %+v", rec)
	}
	if _, err := e.run("record", "start", "council"); err == nil || !strings.Contains(err.Error(), "recording_exists") {
		t.Fatalf("second start: %v", err)
	}
	if out := e.mustRun("record", "get", rec.ID); !strings.Contains(out, `"status": "starting"`) {
		t.Fatalf("get:\n%s", out)
	}
	if out := e.mustRun("record", "list", "council"); !strings.Contains(out, rec.ID) || !strings.Contains(out, "STATUS") {
		t.Fatalf("list:\n%s", out)
	}
	var stopped store.Recording
	if err := json.Unmarshal([]byte(e.mustRun("record", "stop", "council", rec.ID)), &stopped); err != nil {
		t.Fatal(err)
	}
	if stopped.Status != store.RecordingFailed || !stopped.StopRequested || stopped.Reason == "" {
		t.Fatalf("stopped %+v", stopped)
	}
	if _, err := e.run("record", "pause", "council"); err == nil || !strings.Contains(err.Error(), "unknown record subcommand") {
		t.Fatalf("unknown subcommand: %v", err)
	}
	if _, err := e.run("record", "start", "council", "--composite", "--layout", "mosaic"); err == nil || !strings.Contains(err.Error(), "neither grid nor speaker") {
		t.Fatalf("unknown layout: %v", err)
	}
}
