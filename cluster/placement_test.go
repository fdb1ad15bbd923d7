package cluster_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/ensemble-sfu/ensemble/cluster"
)

// joinRegion starts a node of region with the region placement policy.
func joinRegion(t *testing.T, rdb redis.UniversalClient, id, region string, f *fakeNode) *cluster.Cluster {
	t.Helper()
	c, err := cluster.Join(context.Background(), cluster.Config{
		Redis: rdb, Self: cluster.NodeInfo{ID: id, Region: region, URL: "http://" + id},
		Load: f.Load, OpenRooms: f.Rooms, Heartbeat: 50 * time.Millisecond, TTL: time.Minute,
		Placement: cluster.PolicyRegion,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// With the region policy a room goes to the least-loaded node of the placing
// node's region even when a node elsewhere is idler; when none of the region may
// take it (draining), to the least-loaded node anywhere.
func TestRegionPlacement(t *testing.T) {
	rdb := client(t)
	ctx := context.Background()
	eu1 := &fakeNode{load: cluster.Load{Participants: 10}}
	eu2 := &fakeNode{load: cluster.Load{Participants: 4}}
	us := &fakeNode{load: cluster.Load{Participants: 7}}
	idle := &fakeNode{}
	a := joinRegion(t, rdb, "eu-1", "eu", eu1)
	joinRegion(t, rdb, "eu-2", "eu", eu2)
	u := joinRegion(t, rdb, "us-1", "us", us)
	joinRegion(t, rdb, "ap-1", "ap", idle)

	if n, err := a.Place(ctx, "from-eu"); err != nil || n.ID != "eu-2" {
		t.Fatalf("placed from eu on %q (%v), want eu-2, the least loaded of eu", n.ID, err)
	}
	if n, err := u.Place(ctx, "from-us"); err != nil || n.ID != "us-1" {
		t.Fatalf("placed from us on %q (%v), want us-1 though ap-1 is idle", n.ID, err)
	}
	if err := u.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := u.Place(ctx, "us-drained"); err != nil || n.ID != "ap-1" {
		t.Fatalf("placed from a drained region on %q (%v), want ap-1, the least loaded anywhere", n.ID, err)
	}
}

func TestUnknownPolicyRefused(t *testing.T) {
	_, err := cluster.Join(context.Background(), cluster.Config{
		Redis: client(t), Self: cluster.NodeInfo{ID: "n", URL: "http://n"}, Placement: "nearest",
	})
	if err == nil || !strings.Contains(err.Error(), `placement policy "nearest" is not load or region`) {
		t.Fatalf("Join with an unknown policy: %v", err)
	}
}

// The collector shows every live node with its region and load.
func TestCollectorListsNodes(t *testing.T) {
	rdb := client(t)
	a := joinRegion(t, rdb, "eu-1", "eu", &fakeNode{load: cluster.Load{Participants: 3, Rooms: 1}})
	joinRegion(t, rdb, "us-1", "us", &fakeNode{load: cluster.Load{Participants: 5, Rooms: 2, Draining: true}})
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(a.Collector()); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += " " + l.GetName() + "=" + l.GetValue()
			}
			got[key] = m.GetGauge().GetValue()
		}
	}
	for key, v := range map[string]float64{
		"ensemble_cluster_node_participants node=eu-1 region=eu": 3,
		"ensemble_cluster_node_participants node=us-1 region=us": 5,
		"ensemble_cluster_node_rooms node=us-1 region=us":        2,
		"ensemble_cluster_node_draining node=eu-1 region=eu":     0,
		"ensemble_cluster_node_draining node=us-1 region=us":     1,
		"ensemble_cluster_nodes_readable":                        1,
	} {
		if g, ok := got[key]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v; all: %v", key, g, ok, v, got)
		}
	}
}
