package server_test

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// A readiness detail is shown beside the status, read at each request, and
// does not change the status; "status" itself cannot be replaced.
func TestReadyzDetails(t *testing.T) {
	srv := servertest.Start(t)
	var registered atomic.Bool
	if err := srv.Signalling.SetReadyDetail("sip", func() any { return map[string]bool{"registered": registered.Load()} }); err != nil {
		t.Fatal(err)
	}
	if err := srv.Signalling.SetReadyDetail("status", func() any { return "hijacked" }); err == nil {
		t.Fatal(`a detail named "status" was accepted`)
	}
	read := func() (int, map[string]any) {
		status, body := httpGet(t, srv.URL+"/readyz")
		var got map[string]any
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("/readyz body %q: %v", body, err)
		}
		return status, got
	}
	status, got := read()
	if status != http.StatusOK || got["status"] != "ready" || got["sip"].(map[string]any)["registered"] != false {
		t.Fatalf("/readyz = %d %v", status, got)
	}
	registered.Store(true)
	if _, got = read(); got["sip"].(map[string]any)["registered"] != true {
		t.Fatalf("/readyz after the change = %v", got)
	}
	srv.Signalling.BeginDrain(t.Context())
	if status, got = read(); status != http.StatusServiceUnavailable || got["status"] != "draining" || got["sip"] == nil {
		t.Fatalf("/readyz while draining = %d %v", status, got)
	}
}
