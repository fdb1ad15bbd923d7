package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

// A room spans two nodes (one participant per node): pub on its host, node-1
// (a child process), sub on node-2, which bridges it. node-1 dies (SIGKILL):
// node-2's bridge ends, pub rejoins through node-3 and the room is placed
// again; node-2 bridges its part of the room to the new host, and sub hears pub
// again without rejoining, where before it was left alone in its half.
func TestClusterCascadeBridgesAgainWhenItsHostDies(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	redisAddr := storetest.StartRedis(t)
	perNode := []string{"--max-participants-per-node", "1"}
	portA := freePort(t)
	a := startServeProcess(t, portA, append(clusterNodeArgs(t, redisAddr, "node-1", portA), perNode...)...)
	urls := map[string]string{"node-1": a.url}
	for _, id := range []string{"node-2", "node-3"} {
		port := freePort(t)
		u, stop := startServe(t, port, append(clusterNodeArgs(t, redisAddr, id, port), perNode...)...)
		t.Cleanup(stop)
		urls[id] = u
	}
	admin := adminClient(t, urls["node-2"])
	waitFor(t, 10*time.Second, "three nodes registered", func() bool {
		nodes, err := admin.ListNodes(ctx)
		return err == nil && len(nodes) == 3
	})

	// An empty cluster places the room on node-1 (the least loaded, then the
	// first by id); pub, first, is seated there, and sub on node-2.
	const room = "rebridge"
	f := followRoom(t, ctx, urls["node-3"], urls["node-2"], room)
	keepsFlowing(t, "before the kill", f.received.Load)
	if host := roomNode(t, ctx, urls["node-2"], room); host != "node-1" {
		t.Fatalf("the room is hosted on %q, want node-1", host)
	}

	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	<-a.exited
	waitFor(t, 20*time.Second, "pub rejoined", func() bool { return f.pubMoves.Load() >= 1 })
	t.Logf("pub rejoined %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	start := f.received.Load()
	waitFor(t, 30*time.Second, "sub hearing pub again across the new bridge", func() bool {
		return f.received.Load()-start >= 25
	})
	t.Logf("sub hears pub again %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	host := roomNode(t, ctx, urls["node-2"], room)
	if host != "node-2" && host != "node-3" {
		t.Fatalf("after the kill the room is hosted on %q", host)
	}
	if n := f.subMoves.Load(); n != 0 {
		t.Errorf("sub, on a node that lived, rejoined %d times", n)
	}
	if others := f.sub.Others(); len(others) != 1 || others[0].Identity != "pub" {
		t.Errorf("sub sees %s after the move, want pub alone", fmt.Sprint(others))
	}
}
