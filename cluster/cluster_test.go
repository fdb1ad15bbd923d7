package cluster_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ensemble-sfu/ensemble/cluster"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

type fakeNode struct {
	mu    sync.Mutex
	load  cluster.Load
	rooms []string
}

func (f *fakeNode) Load() cluster.Load { f.mu.Lock(); defer f.mu.Unlock(); return f.load }
func (f *fakeNode) Rooms() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.rooms...)
}

// join starts a node whose records expire 300 ms after its last heartbeat: short, for
// the tests of expiry.
func join(t *testing.T, rdb redis.UniversalClient, id string, f *fakeNode) *cluster.Cluster {
	t.Helper()
	return joinTTL(t, rdb, id, f, 300*time.Millisecond)
}

// joinTTL starts a node with its own TTL. A test that is not about expiry takes a long
// one: a placement of a room its node does not hold (a fake node's) lasts only the TTL,
// and a loaded machine can take longer than 300 ms between two steps of a test.
func joinTTL(t *testing.T, rdb redis.UniversalClient, id string, f *fakeNode, ttl time.Duration) *cluster.Cluster {
	t.Helper()
	c, err := cluster.Join(context.Background(), cluster.Config{
		Redis: rdb, Self: cluster.NodeInfo{ID: id, URL: "http://" + id},
		Load: f.Load, OpenRooms: f.Rooms, Heartbeat: 50 * time.Millisecond, TTL: ttl,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func client(t *testing.T) redis.UniversalClient {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: storetest.StartRedis(t)})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// Many nodes placing the same room at once agree on one host.
func TestPlacementIsAtomic(t *testing.T) {
	rdb := client(t)
	var nodes []*cluster.Cluster
	for i := range 3 {
		nodes = append(nodes, joinTTL(t, rdb, fmt.Sprintf("n%d", i), &fakeNode{}, time.Minute))
	}
	for r := range 20 {
		room := fmt.Sprintf("room-%d", r)
		hosts := make([]string, 12)
		var wg sync.WaitGroup
		for i := range hosts {
			wg.Go(func() {
				h, err := nodes[i%3].Place(context.Background(), room)
				if err != nil {
					t.Error(err)
					return
				}
				hosts[i] = h.ID
			})
		}
		wg.Wait()
		for _, h := range hosts {
			if h != hosts[0] {
				t.Fatalf("room %s placed on several nodes: %v", room, hosts)
			}
		}
	}
}

// New rooms go to the least-loaded node; draining nodes take none.
func TestPlacementFollowsLoadAndSkipsDraining(t *testing.T) {
	rdb := client(t)
	busy := &fakeNode{load: cluster.Load{Participants: 40, Rooms: 4}}
	idle := &fakeNode{}
	draining := &fakeNode{load: cluster.Load{Draining: true}}
	a := join(t, rdb, "a-busy", busy)
	join(t, rdb, "b-idle", idle)
	join(t, rdb, "c-draining", draining)
	h, err := a.Place(context.Background(), "new-room")
	if err != nil || h.ID != "b-idle" {
		t.Fatalf("placed on %q (%v), want b-idle", h.ID, err)
	}
	// Rooms created in a burst spread: each placement counts before the next heartbeat.
	spread := map[string]int{}
	for i := range 4 {
		h, err := a.Place(context.Background(), fmt.Sprintf("burst-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		spread[h.ID]++
	}
	if spread["c-draining"] != 0 {
		t.Errorf("a draining node got rooms: %v", spread)
	}
	nodes, err := a.Nodes(context.Background())
	if err != nil || len(nodes) != 3 {
		t.Fatalf("nodes %+v, %v", nodes, err)
	}
}

// A node that stops beating loses its rooms after the TTL: the next placement
// goes to a live node; a room its host keeps open stays placed.
func TestDeadNodesRoomsArePlacedAgain(t *testing.T) {
	rdb := client(t)
	fa := &fakeNode{rooms: []string{"kept"}}
	a := join(t, rdb, "a", fa)
	b := join(t, rdb, "b", &fakeNode{load: cluster.Load{Participants: 100}})
	for _, room := range []string{"kept", "orphan"} {
		if h, err := b.Place(context.Background(), room); err != nil || h.ID != "a" {
			t.Fatalf("%s placed on %q, %v", room, h.ID, err)
		}
	}
	// The orphan's placement expires (no host renews it); the kept room's does not.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok, _ := b.Host(context.Background(), "orphan"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a room its host does not hold kept its placement")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if h, ok, err := b.Host(context.Background(), "kept"); err != nil || !ok || h.ID != "a" {
		t.Fatalf("an open room lost its placement: %+v %v %v", h, ok, err)
	}
	a.Die()
	deadline = time.Now().Add(5 * time.Second)
	for {
		h, err := b.Place(context.Background(), "kept")
		if err == nil && h.ID == "b" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("room of a dead node still on %q (%v)", h.ID, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A draining node frees its rooms at once: the next placement of each goes to
// another node, and the drained node's heartbeat does not take them back.
func TestDrainFreesRoomsForOtherNodes(t *testing.T) {
	rdb := client(t)
	fa := &fakeNode{rooms: []string{"r1", "r2"}}
	fb := &fakeNode{load: cluster.Load{Participants: 100}}
	a := join(t, rdb, "a", fa)
	b := join(t, rdb, "b", fb)
	for _, room := range fa.Rooms() {
		if h, err := b.Place(context.Background(), room); err != nil || h.ID != "a" {
			t.Fatalf("%s placed on %q, %v; want a", room, h.ID, err)
		}
	}
	// Once a drains, its rooms' participants come back on b, which then holds the rooms
	// (and renews their placements, as a real host does).
	fb.mu.Lock()
	fb.rooms = fa.Rooms()
	fb.mu.Unlock()
	if err := a.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !a.Self().Draining {
		t.Fatal("a drained node does not say so")
	}
	for _, room := range fa.Rooms() {
		if h, err := b.Place(context.Background(), room); err != nil || h.ID != "b" {
			t.Fatalf("%s placed on %q after a drained, %v; want b", room, h.ID, err)
		}
	}
	// Several heartbeats of a later, the rooms are still b's.
	waitBeats(t, a, 3)
	for _, room := range fa.Rooms() {
		if h, ok, err := b.Host(context.Background(), room); err != nil || !ok || h.ID != "b" {
			t.Fatalf("%s on %+v (%v, %v) after a's heartbeats; want b", room, h, ok, err)
		}
	}
}

// When Redis loses its keys (restarted without them), the hosts of open rooms take
// their placements back at their next heartbeat, so that no other node opens a
// second room of the same name.
func TestHostReclaimsLostPlacements(t *testing.T) {
	rdb := client(t)
	fa := &fakeNode{rooms: []string{"live"}}
	a := join(t, rdb, "a", fa)
	join(t, rdb, "b", &fakeNode{})
	if h, err := a.Place(context.Background(), "live"); err != nil || h.ID != "a" {
		t.Fatalf("placed on %q, %v; want a", h.ID, err)
	}
	if err := rdb.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	waitBeats(t, a, 2)
	if h, ok, err := a.Host(context.Background(), "live"); err != nil || !ok || h.ID != "a" {
		t.Fatalf("after Redis lost its keys the room is on %+v (%v, %v); want a", h, ok, err)
	}
}

// waitBeats waits until c has published n more heartbeats.
func waitBeats(t *testing.T, c *cluster.Cluster, n int) {
	t.Helper()
	start := c.Self().UpdatedAt
	seen := 0
	last := start
	deadline := time.Now().Add(5 * time.Second)
	for seen < n {
		if u := c.Self().UpdatedAt; u.After(last) {
			seen++
			last = u
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d heartbeats in 5 s, want %d", seen, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
