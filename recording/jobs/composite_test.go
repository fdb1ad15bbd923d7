package jobs_test

import (
	"slices"
	"testing"

	"github.com/ensemble-sfu/ensemble/recording/internal/mediatest"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// A composite recording asked through the API goes through composing to
// complete, and its composed file (audio only here: one mixed Ogg Opus) is
// listed and plays to the end.
func TestCompositeRecordingThroughTheAPI(t *testing.T) {
	mediatest.RequireTool(t, "ffmpeg")
	mediatest.RequireTool(t, "ffprobe")
	ledger := &statusLog{}
	e := newEnv(t, withLedger(ledger))
	if _, err := e.admin.CreateRoom(e.ctx, apiwire.CreateRoomRequest{Name: "mixed"}); err != nil {
		t.Fatal(err)
	}
	e.speak("mixed", "alice")
	e.speak("mixed", "bob")
	rec, err := e.admin.StartRecording(e.ctx, "mixed", apiwire.StartRecordingRequest{Composite: true, AudioOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	e.waitStatus(rec.ID, store.RecordingRecording)
	e.waitRecorded(rec.ID, 16<<10)
	if _, err := e.admin.StopRecording(e.ctx, "mixed", rec.ID); err != nil {
		t.Fatal(err)
	}
	done := e.waitStatus(rec.ID, store.RecordingComplete)
	statuses, _ := ledger.waitNoted(e, store.RecordingComplete)
	want := []store.RecordingStatus{store.RecordingRecording, store.RecordingComposing, store.RecordingComplete}
	if !slices.Equal(statuses, want) {
		t.Fatalf("statuses %v, want %v", statuses, want)
	}
	if done.Composite == nil || done.Composite.Kind != "audio" || done.Composite.Bytes <= 0 || done.Reason != "" || len(done.Files) != 2 {
		t.Fatalf("recording %+v", done)
	}
	p := mediatest.Probe(t, done.Composite.Path)
	if len(p.Streams) != 1 || p.Streams[0].CodecName != "opus" || p.Duration <= 0 {
		t.Fatalf("composite %s: %+v", done.Composite.Path, p)
	}
	if msg := mediatest.DecodeErrors(t, done.Composite.Path); msg != "" {
		t.Fatalf("composite does not decode cleanly: %s", msg)
	}
}
