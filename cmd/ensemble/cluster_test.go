package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

// startCluster starts n nodes sharing one real redis-server and returns their URLs.
func startCluster(t *testing.T, n int) []string {
	t.Helper()
	redisAddr := storetest.StartRedis(t)
	urls := make([]string, n)
	for i := range n {
		port := freePort(t)
		url, stop := startServe(t, port, "--dev", "--data-dir", t.TempDir(), "--redis-address", redisAddr,
			"--node-id", fmt.Sprintf("node-%d", i+1), "--node-url", fmt.Sprintf("http://127.0.0.1:%d", port))
		t.Cleanup(stop)
		urls[i] = url
	}
	return urls
}

// roomNode asks a node which node hosts the live room.
func roomNode(t *testing.T, ctx context.Context, baseURL, room string) string {
	t.Helper()
	r, err := adminClient(t, baseURL).GetRoom(ctx, room)
	if err != nil {
		t.Fatalf("get room %s through %s: %v", room, baseURL, err)
	}
	return r.Node
}

// Three nodes on one Redis: rooms joined through one node spread over the three by
// load, and the API of any node reports the node hosting each.
func TestClusterSpreadsRoomsByLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	urls := startCluster(t, 3)
	hosts := map[string]string{}
	for i := range 3 {
		room := fmt.Sprintf("spread-%d", i)
		received := liveRoom(t, ctx, urls[0], room)
		keepsFlowing(t, room, received)
		hosts[room] = roomNode(t, ctx, urls[1], room)
	}
	seen := map[string]bool{}
	for _, h := range hosts {
		seen[h] = true
	}
	if len(seen) != 3 {
		t.Fatalf("three rooms on %d nodes: %v", len(seen), hosts)
	}
	nodes, err := adminClient(t, urls[2]).ListNodes(ctx)
	if err != nil || len(nodes) != 3 {
		t.Fatalf("nodes %+v, %v", nodes, err)
	}
}

// A participant entering through one node and another through a second node meet
// in one room on its host, and the media flows between them.
func TestClusterParticipantsOnDifferentNodesMeet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	urls := startCluster(t, 3)
	received := liveRoomAcross(t, ctx, urls[0], urls[1], "across-nodes")
	keepsFlowing(t, "publisher through node-1, subscriber through node-2", received)
	host := roomNode(t, ctx, urls[2], "across-nodes")
	if host == "" {
		t.Fatal("the live room has no node")
	}
	for _, u := range urls {
		if got := roomNode(t, ctx, u, "across-nodes"); got != host {
			t.Errorf("%s says the room is on %q, %s says %q", u, got, urls[2], host)
		}
	}
}
