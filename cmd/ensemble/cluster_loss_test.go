package main

import (
	"context"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

// startClusterAround starts node-1 in a child process (to be killed or drained)
// and node-2 and node-3 in this process, on one real redis-server; it returns
// node-1 and the URLs of the two others once all three are registered.
func startClusterAround(t *testing.T, ctx context.Context, redisAddr string) (*serveProcess, []string) {
	t.Helper()
	portA := freePort(t)
	a := startServeProcess(t, portA, clusterNodeArgs(t, redisAddr, "node-1", portA)...)
	var urls []string
	for _, id := range []string{"node-2", "node-3"} {
		port := freePort(t)
		u, stop := startServe(t, port, clusterNodeArgs(t, redisAddr, id, port)...)
		t.Cleanup(stop)
		urls = append(urls, u)
	}
	admin := adminClient(t, urls[1])
	waitFor(t, 10*time.Second, "three nodes registered", func() bool {
		nodes, err := admin.ListNodes(ctx)
		return err == nil && len(nodes) == 3
	})
	return a, urls
}

// SIGKILL of the node hosting a room: the participants (entered through the other
// nodes) lose their relayed WebSockets, retry while the dead node's heartbeat has
// not expired, then rejoin the room placed again on a live node; the media flows
// again within 10 s of the kill.
func TestClusterNodeLossMovesTheRoomWithin10s(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	a, b, _, f := followRoomOnNode1(t, ctx, "lost")

	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	<-a.exited
	waitFor(t, 10*time.Second, "both participants rejoined", func() bool {
		return f.pubMoves.Load() >= 1 && f.subMoves.Load() >= 1
	})
	start := f.received.Load()
	waitFor(t, 10*time.Second-time.Since(killed), "media flowing again within 10 s of the kill", func() bool {
		return f.received.Load()-start >= 25
	})
	t.Logf("media flowing again %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	host := roomNode(t, ctx, b, "lost")
	if host == "node-1" || host == "" {
		t.Fatalf("after the kill the room is on %q", host)
	}
	if others := f.sub.Others(); len(others) != 1 || others[0].Identity != "pub" {
		t.Errorf("the subscriber sees %+v after the move, want pub alone", others)
	}
}

// followRoomOnNode1 starts the cluster of startClusterAround and follows room
// (followRoom) with its publisher entering through node-2 (b) and its
// subscriber through node-3 (c); the room is on node-1 (a), media flowing.
func followRoomOnNode1(t *testing.T, ctx context.Context, room string) (a *serveProcess, b, c string, f *followedRoom) {
	t.Helper()
	redisAddr := storetest.StartRedis(t)
	a, urls := startClusterAround(t, ctx, redisAddr)
	b, c = urls[0], urls[1]
	f = followRoom(t, ctx, b, c, room)
	keepsFlowing(t, "before the node is lost", f.received.Load)
	if host := roomNode(t, ctx, c, room); host != "node-1" {
		t.Fatalf("the room is on %q, want node-1", host)
	}
	return a, b, c, f
}
