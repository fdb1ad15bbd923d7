package storetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisClusterHA is a Redis Cluster of three masters, each with one replica,
// private to a test: a master that dies is replaced by its replica (the
// cluster judges a node down after 2 s), as a shard of a production cluster
// fails over.
type RedisClusterHA struct {
	// Addrs are all six nodes' addresses, as a node's configuration lists
	// them (a client that knows only the masters cannot find a promoted
	// replica after a restart).
	Addrs []string

	t     testing.TB
	procs map[string]*redisProcess // by address
}

// StartRedisClusterHA starts a RedisClusterHA and returns it once every node
// says the cluster is ok and every master has its replica in sync. Everything
// stops when the test ends. Without redis-server or redis-cli the test is
// skipped (failed under CI=true).
func StartRedisClusterHA(t testing.TB) *RedisClusterHA {
	t.Helper()
	bin := redisServer(t)
	cli := redisCLI(t)
	c := &RedisClusterHA{t: t, procs: map[string]*redisProcess{}}
	for range 6 {
		p := launchOnFreePort(t, bin, func(port int) []string { return clusterNodeArgs(t, port) })
		c.Addrs = append(c.Addrs, p.addr)
		c.procs[p.addr] = p
	}
	// redis-cli makes the first three masters and gives each a replica of the
	// others; it warns that replicas share the masters' host, which on one
	// machine they must.
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range c.Addrs {
		rc := redis.NewClient(&redis.Options{Addr: a})
		waitUntil(t, 30*time.Second, "cluster node "+a+" ready", func(ctx context.Context) bool {
			info, err := rc.ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:6") {
				return false
			}
			role, err := rc.Do(ctx, "ROLE").Slice()
			if err != nil || len(role) == 0 {
				return false
			}
			if role[0] == "slave" { // a replica is ready once in sync with its master
				return len(role) >= 4 && role[3] == "connected"
			}
			return true
		})
		rc.Close()
	}
	return c
}

// clusterNodeArgs are those of a cluster node without persistence on port,
// with a cluster bus port of its own (port+10000 may be taken).
func clusterNodeArgs(t testing.TB, port int) []string {
	dir := t.TempDir()
	bus, err := freePort()
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	return append(dataNodeArgs(port, dir), "--cluster-enabled", "yes",
		"--cluster-config-file", dir+"/nodes.conf", "--cluster-port", strconv.Itoa(bus),
		"--cluster-node-timeout", "2000")
}

// redisCLI finds redis-cli, or skips (fails under CI=true) the test.
func redisCLI(t testing.TB) string {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		const msg = "redis-cli not found (apt-get install redis-tools)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return cli
}

// MasterOf is the address of the master that serves key now.
func (c *RedisClusterHA) MasterOf(ctx context.Context, key string) (string, error) {
	var lastErr error
	for _, a := range c.Addrs {
		if p := c.procs[a]; p == nil || p.exitedYet() {
			continue
		}
		rc := redis.NewClient(&redis.Options{Addr: a})
		addr, err := masterOf(ctx, rc, key)
		rc.Close()
		if err == nil {
			return addr, nil
		}
		lastErr = err
	}
	return "", fmt.Errorf("no live node says who serves %q: %w", key, lastErr)
}

// masterOf asks one node which master holds key's slot.
func masterOf(ctx context.Context, rc *redis.Client, key string) (string, error) {
	slot, err := rc.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return "", fmt.Errorf("CLUSTER KEYSLOT: %w", err)
	}
	shards, err := rc.ClusterSlots(ctx).Result()
	if err != nil {
		return "", fmt.Errorf("CLUSTER SLOTS: %w", err)
	}
	for _, s := range shards {
		if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
			return s.Nodes[0].Addr, nil
		}
	}
	return "", fmt.Errorf("no master holds slot %d", slot)
}

// WaitReplicated waits until the replica of key's master has every write that
// master took so far (WAIT), so that a failover loses none of them.
func (c *RedisClusterHA) WaitReplicated(ctx context.Context, key string) error {
	master, err := c.MasterOf(ctx, key)
	if err != nil {
		return err
	}
	rc := redis.NewClient(&redis.Options{Addr: master})
	defer rc.Close()
	n, err := rc.Wait(ctx, 1, 10*time.Second).Result()
	if err != nil {
		return fmt.Errorf("WAIT on %s: %w", master, err)
	}
	if n < 1 {
		return fmt.Errorf("the replica of %s did not acknowledge its writes within 10 s", master)
	}
	return nil
}

// KillMaster SIGKILLs the master that serves key, as a crash of its machine
// would, and returns its address.
func (c *RedisClusterHA) KillMaster(ctx context.Context, key string) (string, error) {
	master, err := c.MasterOf(ctx, key)
	if err != nil {
		return "", err
	}
	p := c.procs[master]
	if p == nil {
		return "", fmt.Errorf("the master of %q, %s, is not one of this cluster's processes", key, master)
	}
	p.kill()
	return master, nil
}

// exitedYet reports whether the process has ended.
func (p *redisProcess) exitedYet() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}
