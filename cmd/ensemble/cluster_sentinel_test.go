package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

// sentinelNodeArgs are the arguments of node id of a cluster whose Redis is found
// through the sentinels.
func sentinelNodeArgs(t *testing.T, rs *storetest.RedisSentinel, id string, port int) []string {
	return []string{"--dev", "--data-dir", t.TempDir(),
		"--redis-sentinel-master", storetest.SentinelMaster, "--redis-sentinel-addresses", strings.Join(rs.Sentinels, ","),
		"--node-id", id, "--node-url", "http://127.0.0.1:" + strconv.Itoa(port)}
}

// The Redis master dies (SIGKILL) under two nodes configured through Sentinel:
// the sentinel promotes the replica, both nodes register again on it, the live
// room's media never stops and nobody moves, the meeting is still there, and a new
// room is placed and carries media afterwards.
func TestSentinelFailoverKeepsRoomsAndMeetings(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Redis with a sentinel and server processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	rs := storetest.StartRedisSentinel(t)
	var urls []string
	for i := range 2 {
		port := freePort(t)
		p := startServeProcess(t, port, sentinelNodeArgs(t, rs, fmt.Sprintf("node-%d", i+1), port)...)
		urls = append(urls, p.url)
	}
	f, host, meetingID := meetingLiveOnTwoNodes(t, ctx, urls, "Through the failover")
	if err := rs.WaitReplicated(ctx); err != nil {
		t.Fatal(err)
	}

	rs.KillMaster()
	killed := time.Now()
	keepsFlowing(t, "while the master is dead", f.received.Load)
	waitFor(t, 30*time.Second, "the sentinel promoted the replica", func() bool {
		cur, err := rs.CurrentMaster(ctx)
		return err == nil && cur == rs.Replica
	})
	t.Logf("replica promoted %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	checkAfterFailover(t, ctx, urls, f, host, meetingID, time.Now())
	received := liveRoomAcross(t, ctx, urls[1], urls[0], "after-failover")
	keepsFlowing(t, "a room created after the failover", received)
	if got := roomNode(t, ctx, urls[0], "after-failover"); got != "node-1" && got != "node-2" {
		t.Errorf("the new room is on %q", got)
	}
}

// Two nodes on a real three-master Redis Cluster: a meeting is created, a room
// joined through both nodes lives on one of them, which both name.
func TestRedisClusterModeServesRooms(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster and servers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	addrs := storetest.StartRedisCluster(t)
	var urls []string
	for i := range 2 {
		port := freePort(t)
		u, stop := startServe(t, port, "--dev", "--data-dir", t.TempDir(), "--redis-cluster-addresses", strings.Join(addrs, ","),
			"--node-id", fmt.Sprintf("node-%d", i+1), "--node-url", "http://127.0.0.1:"+strconv.Itoa(port))
		t.Cleanup(stop)
		urls = append(urls, u)
	}
	admin := adminClient(t, urls[0])
	m, _, err := admin.CreateMeeting(ctx, apiwire.CreateMeetingRequest{Title: "On Redis Cluster",
		Start: "2030-02-04T09:00:00Z", End: "2030-02-04T10:00:00Z"}, "idem-cluster")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adminClient(t, urls[1]).MeetingICS(ctx, m.ID); err != nil {
		t.Fatalf("the meeting through the other node: %v", err)
	}
	received := liveRoomAcross(t, ctx, urls[0], urls[1], m.Room)
	keepsFlowing(t, "a room on Redis Cluster", received)
	host := roomNode(t, ctx, urls[0], m.Room)
	if host == "" || roomNode(t, ctx, urls[1], m.Room) != host {
		t.Fatalf("the nodes disagree on the room's host (%q)", host)
	}
	nodes, err := adminClient(t, urls[1]).ListNodes(ctx)
	if err != nil || len(nodes) != 2 {
		t.Fatalf("nodes: %+v, %v", nodes, err)
	}
}

// checkAfterFailover checks two nodes once Redis failed over (its new master
// promoted at promoted): both register again on it, the live room f, hosted
// on host, kept its media without a rejoin and stayed there, and the meeting
// is still there.
func checkAfterFailover(t *testing.T, ctx context.Context, urls []string, f *followedRoom, host, meetingID string, promoted time.Time) {
	t.Helper()
	admin := adminClient(t, urls[1])
	waitFor(t, 30*time.Second, "both nodes registered on the new master", func() bool {
		nodes, err := admin.ListNodes(ctx)
		if err != nil || len(nodes) != 2 {
			return false
		}
		for _, n := range nodes {
			if n.UpdatedAt.Before(promoted) {
				return false
			}
		}
		return true
	})
	keepsFlowing(t, "after the failover", f.received.Load)
	room := f.room
	for _, u := range urls {
		if got := roomNode(t, ctx, u, room); got != host {
			t.Errorf("after the failover %s says the room is on %q, want %q", u, got, host)
		}
	}
	if n := f.pubMoves.Load() + f.subMoves.Load(); n != 0 {
		t.Errorf("%d rejoins during the failover, want none", n)
	}
	if _, err := admin.MeetingICS(ctx, meetingID); err != nil {
		t.Errorf("the meeting after the failover: %v", err)
	}
}

// meetingLiveOnTwoNodes waits for both nodes of urls to register, creates a
// meeting titled title and follows its room live across them (publisher
// through the first, subscriber through the second); it returns the room,
// the node hosting it and the meeting's id.
func meetingLiveOnTwoNodes(t *testing.T, ctx context.Context, urls []string, title string) (f *followedRoom, host, meetingID string) {
	t.Helper()
	admin := adminClient(t, urls[1])
	waitFor(t, 10*time.Second, "two nodes registered", func() bool {
		nodes, err := admin.ListNodes(ctx)
		return err == nil && len(nodes) == 2
	})
	m, _, err := admin.CreateMeeting(ctx, apiwire.CreateMeetingRequest{Title: title,
		Start: "2030-02-04T09:00:00Z", End: "2030-02-04T10:00:00Z"}, "")
	if err != nil {
		t.Fatal(err)
	}
	f = followRoom(t, ctx, urls[0], urls[1], m.Room)
	keepsFlowing(t, "before the failover", f.received.Load)
	return f, roomNode(t, ctx, urls[0], m.Room), m.ID
}
