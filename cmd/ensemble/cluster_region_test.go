package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

// metricsText reads a node's /metrics.
func metricsText(t *testing.T, baseURL string) string {
	t.Helper()
	resp, err := http.Get(baseURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Three node processes on one real Redis with the region policy, node-1 and
// node-2 in eu, node-3 in us: rooms first joined through node-3 stay on node-3
// though the eu nodes are idler (the load policy would send them there), rooms
// joined in eu spread over the eu nodes by load, and GET /api/v1/nodes and every
// node's /metrics show each node's region and load.
func TestRegionPlacementKeepsRoomsInTheirRegion(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	redisAddr := storetest.StartRedis(t)
	regions := []string{"eu", "eu", "us"}
	var urls []string
	for i, region := range regions {
		port := freePort(t)
		args := append(clusterNodeArgs(t, redisAddr, fmt.Sprintf("node-%d", i+1), port), "--node-region", region, "--placement", "region")
		urls = append(urls, startServeProcess(t, port, args...).url)
	}
	admin := adminClient(t, urls[0])
	waitFor(t, 10*time.Second, "three nodes registered", func() bool {
		nodes, err := admin.ListNodes(ctx)
		return err == nil && len(nodes) == 3
	})

	for _, room := range []string{"us-a", "us-b"} {
		keepsFlowing(t, room, liveRoom(t, ctx, urls[2], room))
		if host := roomNode(t, ctx, urls[0], room); host != "node-3" {
			t.Fatalf("%s, first joined through node-3 (us), is on %q", room, host)
		}
	}
	keepsFlowing(t, "eu-a", liveRoom(t, ctx, urls[0], "eu-a"))
	keepsFlowing(t, "eu-b", liveRoom(t, ctx, urls[1], "eu-b"))
	euA, euB := roomNode(t, ctx, urls[2], "eu-a"), roomNode(t, ctx, urls[2], "eu-b")
	if !strings.HasPrefix(euA, "node-") || euA == "node-3" || euB == "node-3" || euA == euB {
		t.Fatalf("eu rooms on %q and %q, want node-1 and node-2 one each", euA, euB)
	}

	// Heartbeats publish the load: node-3 hosts two rooms of two participants.
	waitFor(t, 10*time.Second, "the nodes list shows regions and load", func() bool {
		nodes, err := adminClient(t, urls[1]).ListNodes(ctx)
		if err != nil || len(nodes) != 3 {
			return false
		}
		for i, n := range nodes {
			if n.ID != fmt.Sprintf("node-%d", i+1) || n.Region != regions[i] {
				return false
			}
		}
		return nodes[2].Rooms == 2 && nodes[2].Participants == 4 && nodes[0].Rooms == 1 && nodes[1].Rooms == 1
	})
	waitFor(t, 10*time.Second, "node-1's /metrics shows every node's region and load", func() bool {
		m := metricsText(t, urls[0])
		for _, want := range []string{
			`ensemble_cluster_node_participants{node="node-3",region="us"} 4`,
			`ensemble_cluster_node_rooms{node="node-3",region="us"} 2`,
			`ensemble_cluster_node_rooms{node="node-1",region="eu"} 1`,
			`ensemble_cluster_node_rooms{node="node-2",region="eu"} 1`,
			`ensemble_cluster_node_draining{node="node-2",region="eu"} 0`,
			`ensemble_cluster_nodes_readable 1`,
		} {
			if !strings.Contains(m, want) {
				return false
			}
		}
		return true
	})
}
