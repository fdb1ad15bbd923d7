package storetest

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// StartRedisCluster starts a Redis Cluster of three masters (no replicas) on free
// ports, built with `redis-cli --cluster create`, and returns their addresses once
// every node says the cluster is ok. Everything stops when the test ends. Without
// redis-server or redis-cli the test is skipped (failed under CI=true).
func StartRedisCluster(t testing.TB) []string {
	t.Helper()
	bin := redisServer(t)
	cli := redisCLI(t)
	addrs := make([]string, 3)
	for i := range addrs {
		addrs[i] = launchOnFreePort(t, bin, func(port int) []string { return clusterNodeArgs(t, port) }).addr
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		waitUntil(t, 30*time.Second, "cluster node "+a+" ready", func(ctx context.Context) bool {
			info, err := c.ClusterInfo(ctx).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3")
		})
		c.Close()
	}
	return addrs
}
