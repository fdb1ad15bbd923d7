package cluster_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ensemble-sfu/ensemble/cluster"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

// On a real three-master Redis Cluster, with the hash-tagged prefix the server
// uses there, nodes register, list each other (one MGET over all their keys) and
// place rooms atomically.
func TestOnRedisCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: storetest.StartRedisCluster(t)})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var nodes []*cluster.Cluster
	for i := range 3 {
		c, err := cluster.Join(ctx, cluster.Config{
			Redis: rdb, Self: cluster.NodeInfo{ID: fmt.Sprintf("n%d", i), URL: "http://n"}, KeyPrefix: "{ensemble}:",
			Heartbeat: 50 * time.Millisecond, TTL: time.Minute,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		nodes = append(nodes, c)
	}
	listed, err := nodes[0].Nodes(ctx)
	if err != nil || len(listed) != 3 {
		t.Fatalf("nodes on Redis Cluster: %+v, %v", listed, err)
	}
	for r := range 6 {
		room := fmt.Sprintf("room-%d", r)
		first, err := nodes[r%3].Place(ctx, room)
		if err != nil {
			t.Fatal(err)
		}
		again, err := nodes[(r+1)%3].Place(ctx, room)
		if err != nil || again.ID != first.ID {
			t.Fatalf("room %s placed on %s, then %s (%v)", room, first.ID, again.ID, err)
		}
	}
}
