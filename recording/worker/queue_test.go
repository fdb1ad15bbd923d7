package worker_test

import (
	"context"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/signalling/api"
	"github.com/ensemble-sfu/ensemble/signalling/apiclient"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// queued is a server whose API queues its recordings for record workers
// (jobs.Config.Queue: it records nothing itself), and one recording it queued.
type queued struct {
	srv   *servertest.Server
	queue *jobs.Runner
	admin *apiclient.Client // room_admin, room_list and room_create
	rec   store.Recording   // of a room where alice speaks, queued, no worker's yet
}

// queueRecording starts the server (leaseTTL is its queue's; 0 for the
// default), creates room with alice speaking in it, and starts its recording
// through the API.
func queueRecording(ctx context.Context, t *testing.T, room string, leaseTTL time.Duration) queued {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// The API handler needs the server's engine, which exists once the server
	// runs: the route is there from the start and finds the handler at call time.
	var handler sync.Map
	srv := servertest.Start(t, servertest.WithHandler("/api/", func(*servertest.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h, _ := handler.Load("api")
			h.(http.Handler).ServeHTTP(w, r)
		})
	}))
	queue, err := jobs.New(jobs.Config{Store: st, Dir: t.TempDir(), Node: "server", Queue: true, LeaseTTL: leaseTTL,
		Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = queue.Close(context.Background()) })
	handler.Store("api", api.New(api.Deps{Engine: srv.Engine, Store: st, Verifier: srv.Verifier, Keys: srv.Keys(),
		Recordings: queue, Logger: testLogger(t)}))
	admin := &apiclient.Client{BaseURL: srv.URL, Token: srv.Token("", "admin", "room_admin", "room_list", "room_create")}
	if _, err := admin.CreateRoom(ctx, apiwire.CreateRoomRequest{Name: room}); err != nil {
		t.Fatal(err)
	}
	speak(ctx, t, srv, room, "alice")
	rec, err := admin.StartRecording(ctx, room, apiwire.StartRecordingRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return queued{srv: srv, queue: queue, admin: admin, rec: rec}
}
