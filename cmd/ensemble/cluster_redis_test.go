package main

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

// Redis restarts under a live cluster: the room's media keeps flowing while Redis
// is down (the media plane needs no Redis), the nodes register again once it is
// back, the room stays on its node (nobody moves), the meeting is still there, and
// a newcomer entering through another node meets the participants in the same room.
func TestClusterSurvivesARedisRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	rds := storetest.StartRestartableRedis(t)
	var urls []string
	for i := range 3 {
		port := freePort(t)
		u, stop := startServe(t, port, clusterNodeArgs(t, rds.Addr, fmt.Sprintf("node-%d", i+1), port)...)
		t.Cleanup(stop)
		urls = append(urls, u)
	}
	admin := adminClient(t, urls[2])
	m, _, err := admin.CreateMeeting(ctx, apiwire.CreateMeetingRequest{Title: "Through the restart",
		Start: "2030-02-04T09:00:00Z", End: "2030-02-04T10:00:00Z"}, "")
	if err != nil {
		t.Fatal(err)
	}
	f := followRoom(t, ctx, urls[1], urls[2], m.Room)
	keepsFlowing(t, "before the restart", f.received.Load)
	host := roomNode(t, ctx, urls[0], m.Room)

	rds.Stop()
	keepsFlowing(t, "while Redis is down", f.received.Load)
	keepsFlowing(t, "while Redis is still down", f.received.Load)
	restarted := time.Now()
	rds.Start()

	waitFor(t, 20*time.Second, "the three nodes registered again", func() bool {
		nodes, err := admin.ListNodes(ctx)
		if err != nil || len(nodes) != 3 {
			return false
		}
		for _, n := range nodes {
			if n.UpdatedAt.Before(restarted) {
				return false
			}
		}
		return true
	})
	keepsFlowing(t, "after the restart", f.received.Load)
	for _, u := range urls {
		if got := roomNode(t, ctx, u, m.Room); got != host {
			t.Errorf("after the restart %s says the room is on %q, want %q", u, got, host)
		}
	}
	if n := f.pubMoves.Load() + f.subMoves.Load(); n != 0 {
		t.Errorf("%d rejoins during the Redis restart, want none", n)
	}
	if _, err := admin.MeetingICS(ctx, m.ID); err != nil {
		t.Errorf("meeting after the restart: %v", err)
	}
	// A newcomer through node-1 lands in the same live room.
	late, err := client.Join(ctx, urls[0], participantToken(t, m.Room, "late"), client.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("join after the restart: %v", err)
	}
	defer late.Close()
	if _, ok := late.Other("pub"); !ok {
		t.Errorf("the newcomer does not see pub: %+v", late.Others())
	}
}
