package jobs_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// liveNodes is a node registry for the runner: which nodes are registered. The
// real one (package cluster, on Redis) is exercised by cmd/ensemble's
// TestClusterNodeLossFailsItsRecordingAndTheNewHostRecordsOn.
type liveNodes struct {
	mu   sync.Mutex
	live map[string]bool
}

func (l *liveNodes) NodeLive(_ context.Context, id string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.live[id], nil
}

func (l *liveNodes) HostsRoom(context.Context, string) (bool, error) { return false, nil }

// A cluster node's recording whose lease lapsed is failed only once its node is
// no longer registered: a node still registered only had its renewals held up
// (Redis unreachable a while) and still records. A worker's lapsed lease is
// failed as before, whatever the registry says.
func TestLapsedLeaseOfAClusterNodeFailsOnlyWhenTheNodeIsGone(t *testing.T) {
	ctx := t.Context()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	lapsed := now.Add(-time.Second)
	file := store.RecordingFile{Path: "/rec/RC_node/a.ogg", Kind: "audio", Bytes: 4321}
	for _, r := range []store.Recording{
		{ID: "RC_node", Room: "a", Status: store.RecordingRecording, Node: "node-1", InClusterNode: true,
			LeaseUntil: lapsed, CreatedAt: now, Files: []store.RecordingFile{file}},
		{ID: "RC_worker", Room: "b", Status: store.RecordingRecording, Node: "worker-1",
			LeaseUntil: lapsed, CreatedAt: now},
	} {
		if err := st.CreateRecording(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	nodes := &liveNodes{live: map[string]bool{"node-1": true, "worker-1": true}}
	r, err := jobs.New(jobs.Config{Store: st, Dir: t.TempDir(), Node: "node-2", Cluster: nodes, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())

	failed, err := r.ExpireLeases(ctx, now)
	if err != nil || len(failed) != 1 || failed[0] != "RC_worker" {
		t.Fatalf("with node-1 registered: expired %v, %v; want the worker's only", failed, err)
	}
	nodes.mu.Lock()
	nodes.live["node-1"] = false
	nodes.mu.Unlock()
	failed, err = r.ExpireLeases(ctx, now)
	if err != nil || len(failed) != 1 || failed[0] != "RC_node" {
		t.Fatalf("with node-1 gone: expired %v, %v", failed, err)
	}
	got, err := st.GetRecording(ctx, "RC_node")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.RecordingFailed || !strings.Contains(got.Reason, "node node-1 was lost") ||
		len(got.Files) != 1 || !got.Files[0].Partial || got.Files[0].Bytes != 4321 {
		t.Fatalf("recording %+v", got)
	}
}

// A node cut off from the others long enough to be thought lost may still be
// recording when the room's next host fails its recording: at its next lease
// renewal it learns so, stops, and leaves the recording failed (the room is
// recorded elsewhere), its files now whole rather than partial.
func TestRecordingFailedElsewhereStopsAndStaysFailed(t *testing.T) {
	nodes := &liveNodes{live: map[string]bool{}}
	e := newEnv(t, func(c *jobs.Config) { c.Cluster, c.Node = nodes, "node-1" })
	if _, err := e.admin.CreateRoom(e.ctx, apiwire.CreateRoomRequest{Name: "cut-off"}); err != nil {
		t.Fatal(err)
	}
	e.speak("cut-off", "alice")
	rec, err := e.admin.StartRecording(e.ctx, "cut-off", apiwire.StartRecordingRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.InClusterNode || rec.LeaseUntil.IsZero() {
		t.Fatalf("a cluster node's recording without its lease: %+v", rec)
	}
	e.waitStatus(rec.ID, store.RecordingRecording)
	e.waitRecorded(rec.ID, 4<<10)
	const why = "interrupted while recording: node node-1 was lost"
	if _, err := e.store.UpdateRecording(e.ctx, rec.ID, func(x *store.Recording) error {
		x.Status, x.Reason, x.EndedAt = store.RecordingFailed, why, time.Now().UTC()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the recorder stopping", func() bool { return e.runner.Running() == 0 })
	got, err := e.store.GetRecording(e.ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.RecordingFailed || got.Reason != why || len(got.Files) != 1 || got.Files[0].Partial || len(got.Manifest) == 0 {
		t.Fatalf("after its recorder stopped: %+v", got)
	}
}
