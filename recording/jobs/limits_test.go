package jobs_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// startRaw posts a start request and returns the response, headers included.
func (e *env) startRaw(room string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.ctx, "POST", e.srv.URL+"/api/v1/rooms/"+room+"/recordings", strings.NewReader(`{}`))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.admin.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Beyond max_concurrent recordings on the node a start is refused with 503
// and Retry-After; the running one is untouched and, once stopped, frees its
// place.
func TestRecordingLimitAnswers503WithRetryAfter(t *testing.T) {
	e := newEnv(t, func(c *jobs.Config) { c.MaxConcurrent = 1 })
	for _, room := range []string{"first", "second"} {
		if _, err := e.admin.CreateRoom(e.ctx, apiwire.CreateRoomRequest{Name: room}); err != nil {
			t.Fatal(err)
		}
	}
	e.speak("first", "alice")
	first, err := e.admin.StartRecording(e.ctx, "first", apiwire.StartRecordingRequest{})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.startRaw("second")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "recording_busy") {
		t.Fatalf("second start: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	e.waitStatus(first.ID, store.RecordingRecording)
	if _, err := e.admin.StopRecording(e.ctx, "first", first.ID); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the first recording's place freed", func() bool { return e.runner.Running() == 0 })
	if resp, body := e.startRaw("second"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("start after the stop: %d %s", resp.StatusCode, body)
	}
}

// A recordings directory with less free space than asked refuses the start
// with 507 and says how much there is.
func TestRecordingRefusedWithoutDiskSpace(t *testing.T) {
	e := newEnv(t, func(c *jobs.Config) { c.MinFreeBytes = 1 << 62 })
	if _, err := e.admin.CreateRoom(e.ctx, apiwire.CreateRoomRequest{Name: "full"}); err != nil {
		t.Fatal(err)
	}
	resp, body := e.startRaw("full")
	if resp.StatusCode != http.StatusInsufficientStorage || !strings.Contains(body, "insufficient_storage") ||
		!strings.Contains(body, "MiB free") {
		t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	if recs, _ := e.admin.ListRecordings(e.ctx, "full"); len(recs) != 0 {
		t.Fatalf("a refused start stored %+v", recs)
	}
}

// A start for a room that neither exists nor is live is 404.
func TestRecordingUnknownRoom(t *testing.T) {
	e := newEnv(t)
	_, err := e.admin.StartRecording(e.ctx, "nowhere", apiwire.StartRecordingRequest{})
	wantProblem(t, err, http.StatusNotFound, "room_not_found")
}
