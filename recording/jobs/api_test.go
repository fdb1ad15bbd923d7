package jobs_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/ensemble-sfu/ensemble/recording/internal/mediatest"
	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// wantProblem checks that err is the API's problem with this status and code.
func wantProblem(t *testing.T, err error, status int, code string) {
	t.Helper()
	var p *apiwire.Problem
	if !errors.As(err, &p) || p.Status != status || p.Code != code {
		t.Fatalf("error %v, want %d %s", err, status, code)
	}
}

// A room recorded through the API from start to stop: only the record grant
// for that room (or room_admin) may start it, the status goes starting →
// recording → complete, the file is listed with its codec, participant,
// offset, duration and size and decodes, the manifest comes with it, the
// webhooks say started then ended with the files, another room's token
// does not see it, and the participant is told by room_updated when the
// recording starts and ends.
func TestRecordingThroughTheAPI(t *testing.T) {
	mediatest.RequireTool(t, "ffprobe")
	e := newEnv(t)
	if _, err := e.admin.CreateRoom(e.ctx, apiwire.CreateRoomRequest{Name: "hearing"}); err != nil {
		t.Fatal(err)
	}
	alice, _ := e.speak("hearing", "alice")
	if alice.Room().Recording {
		t.Fatal("the room says it is recorded before any recording")
	}

	recorder := e.client(e.apiToken("hearing", auth.Grants{Record: true}))
	other := e.client(e.apiToken("other", auth.Grants{Record: true}))
	lister := e.client(e.apiToken("hearing", auth.Grants{RoomList: true}))
	serverWideRecord := e.client(e.apiToken("", auth.Grants{Record: true}))
	_, err := other.StartRecording(e.ctx, "hearing", apiwire.StartRecordingRequest{})
	wantProblem(t, err, http.StatusForbidden, auth.CodeWrongRoom)
	_, err = lister.StartRecording(e.ctx, "hearing", apiwire.StartRecordingRequest{})
	wantProblem(t, err, http.StatusForbidden, auth.CodeMissingGrant)
	_, err = serverWideRecord.StartRecording(e.ctx, "hearing", apiwire.StartRecordingRequest{})
	wantProblem(t, err, http.StatusForbidden, auth.CodeWrongRoom)
	_, err = recorder.StartRecording(e.ctx, "hearing", apiwire.StartRecordingRequest{Composite: true, Layout: "mosaic"})
	wantProblem(t, err, http.StatusUnprocessableEntity, "invalid_field")

	rec, err := recorder.StartRecording(e.ctx, "hearing", apiwire.StartRecordingRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != store.RecordingStarting || rec.Room != "hearing" || !strings.HasPrefix(rec.ID, "RC_") {
		t.Fatalf("started %+v", rec)
	}
	_, err = recorder.StartRecording(e.ctx, "hearing", apiwire.StartRecordingRequest{})
	wantProblem(t, err, http.StatusConflict, "recording_exists")

	e.waitStatus(rec.ID, store.RecordingRecording)
	e.waitFor("alice is told the room is recorded (room_updated)", func() bool { return alice.Room().Recording })
	e.waitRecorded(rec.ID, 8<<10) // a couple of seconds of Opus
	stopped, err := recorder.StopRecording(e.ctx, "hearing", rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stopped.Status == store.RecordingRecording || stopped.Status == store.RecordingStarting {
		t.Fatalf("stop answered with status %s, want the files closed", stopped.Status)
	}
	done := e.waitStatus(rec.ID, store.RecordingComplete)
	e.waitFor("alice is told the recording ended", func() bool { return !alice.Room().Recording })
	if len(done.Files) != 1 || len(done.Manifest) == 0 || done.EndedAt.IsZero() || done.Reason != "" {
		t.Fatalf("complete recording %+v", done)
	}
	f := done.Files[0]
	if f.Kind != "audio" || f.Codec != "audio/opus" || f.ParticipantIdentity != "alice" || f.Source != "microphone" ||
		f.Bytes <= 0 || f.Duration <= 0 || f.Path == "" || f.StartOffset < 0 {
		t.Fatalf("file %+v", f)
	}
	if p := mediatest.Probe(t, f.Path); len(p.Streams) != 1 || p.Streams[0].CodecName != "opus" {
		t.Fatalf("ffprobe %s: %+v", f.Path, p)
	}
	if msg := mediatest.DecodeErrors(t, f.Path); msg != "" {
		t.Fatalf("%s does not decode cleanly: %s", f.Path, msg)
	}

	_, err = recorder.StopRecording(e.ctx, "hearing", rec.ID)
	wantProblem(t, err, http.StatusConflict, "recording_ended")
	_, err = other.GetRecording(e.ctx, rec.ID)
	wantProblem(t, err, http.StatusNotFound, "recording_not_found")
	list, err := recorder.ListRecordings(e.ctx, "hearing")
	if err != nil || len(list) != 1 || list[0].ID != rec.ID {
		t.Fatalf("list %+v, %v", list, err)
	}

	e.waitFor("recording webhooks", func() bool { return len(e.hooks.recordingEvents()) >= 2 })
	evs := e.hooks.recordingEvents()
	if evs[0].Type != jobs.RecordingStarted || evs[1].Type != jobs.RecordingEnded || evs[1].Room.Name != "hearing" {
		t.Fatalf("webhooks %+v", evs)
	}
	if !strings.Contains(string(evs[1].Data), f.Path) {
		t.Fatalf("recording_ended does not list the file: %s", evs[1].Data)
	}
}
