package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ensemble-sfu/ensemble/cluster"
)

// joinSeats starts a node whose seats wait hold for their join.
func joinSeats(t *testing.T, rdb redis.UniversalClient, id string, hold time.Duration) *cluster.Cluster {
	t.Helper()
	c, err := cluster.Join(context.Background(), cluster.Config{
		Redis: rdb, Self: cluster.NodeInfo{ID: id, URL: "http://" + id},
		Load: (&fakeNode{}).Load, Heartbeat: 50 * time.Millisecond, TTL: time.Minute, SeatHold: hold,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Forty people open a meeting in the same instant, through three nodes that
// each serve at most five of its participants: each node gets five, whatever
// the order, and the others are told the cluster is full. Nobody has joined
// yet, so only the seats placement takes keep the count.
func TestConcurrentJoinsNeverOverfillANode(t *testing.T) {
	rdb := client(t)
	ctx := context.Background()
	const perNode = 5
	nodes := []*cluster.Cluster{
		joinSeats(t, rdb, "n1", time.Minute), joinSeats(t, rdb, "n2", time.Minute), joinSeats(t, rdb, "n3", time.Minute),
	}
	var mu sync.Mutex
	placed := map[string]int{}
	full := 0
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := nodes[i%len(nodes)].PlaceParticipant(ctx, "big-meeting", perNode)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, cluster.ErrClusterFull):
				full++
			case err != nil:
				t.Errorf("join %d: %v", i, err)
			default:
				placed[n.ID]++
			}
		}()
	}
	wg.Wait()
	t.Logf("placed %v, %d told the cluster is full", placed, full)
	for _, id := range []string{"n1", "n2", "n3"} {
		if placed[id] != perNode {
			t.Errorf("%s got %d joins, want %d", id, placed[id], perNode)
		}
	}
	if full != 40-3*perNode {
		t.Errorf("%d joins refused, want %d", full, 40-3*perNode)
	}
}

// A node that has joined the participants its seats were taken for gives the
// seats back: its count then holds the place, and a node is not counted twice.
func TestJoinedParticipantsGiveTheirSeatsBack(t *testing.T) {
	rdb := client(t)
	ctx := context.Background()
	a := joinSeats(t, rdb, "a", time.Minute)
	b := joinSeats(t, rdb, "b", time.Minute)
	const room = "seats-back"
	for i := range 3 {
		if n, err := a.PlaceParticipant(ctx, room, 3); err != nil || n.ID != "a" {
			t.Fatalf("join %d placed on %q (%v), want a, the host", i, n.ID, err)
		}
	}
	if err := a.SetRoomLoad(ctx, room, 3); err != nil { // the three joined
		t.Fatal(err)
	}
	if n, err := b.PlaceParticipant(ctx, room, 3); err != nil || n.ID != "b" {
		t.Fatalf("a fourth join placed on %q (%v), want b", n.ID, err)
	}
	if err := a.SetRoomLoad(ctx, room, 2); err != nil { // one left a
		t.Fatal(err)
	}
	if n, err := b.PlaceParticipant(ctx, room, 3); err != nil || n.ID != "a" {
		t.Fatalf("a join after one left the host placed on %q (%v), want a: its seats were given back", n.ID, err)
	}
	for i := range 2 {
		if n, err := b.PlaceParticipant(ctx, room, 3); err != nil || n.ID != "b" {
			t.Fatalf("join %d placed on %q (%v), want b (a is full, b has room)", i, n.ID, err)
		}
	}
	if _, err := a.PlaceParticipant(ctx, room, 3); !errors.Is(err, cluster.ErrClusterFull) {
		t.Fatalf("a seventh join: %v, want ErrClusterFull (three on a, three seats on b)", err)
	}
}

// A seat whose join never comes (a token refused, a page closed) lapses: the
// place is free again after the hold.
func TestASeatWithoutItsJoinLapses(t *testing.T) {
	rdb := client(t)
	ctx := context.Background()
	const hold = 300 * time.Millisecond
	a := joinSeats(t, rdb, "a", hold)
	const room = "seat-lapses"
	if n, err := a.PlaceParticipant(ctx, room, 1); err != nil || n.ID != "a" {
		t.Fatalf("placed on %q (%v), want a", n.ID, err)
	}
	if _, err := a.PlaceParticipant(ctx, room, 1); !errors.Is(err, cluster.ErrClusterFull) {
		t.Fatalf("second join while the first's seat holds: %v, want ErrClusterFull", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := a.PlaceParticipant(ctx, room, 1)
		if err == nil && n.ID == "a" {
			return
		}
		if !errors.Is(err, cluster.ErrClusterFull) {
			t.Fatal(fmt.Errorf("join after the hold: %w", err))
		}
		if time.Now().After(deadline) {
			t.Fatalf("the seat never lapsed (hold %v)", hold)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
