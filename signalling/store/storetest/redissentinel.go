package storetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the master name the sentinels of StartRedisSentinel watch.
const SentinelMaster = "ensemble"

// RedisSentinel is a Redis master, one replica of it and one sentinel watching
// them (quorum 1, the master judged down after 1 s), private to a test: enough
// for a failover to happen when the master dies.
type RedisSentinel struct {
	Master, Replica string   // the data nodes' addresses, as started
	Sentinels       []string // the sentinels' addresses

	t       testing.TB
	master  *redisProcess
	replica *redisProcess
}

// StartRedisSentinel starts a RedisSentinel and returns it once the sentinel knows
// the replica (a failover has a candidate); everything stops when the test ends.
// Without redis-server the test is skipped (failed under CI=true), as with
// StartRedis.
func StartRedisSentinel(t testing.TB) *RedisSentinel {
	t.Helper()
	bin := redisServer(t)
	s := &RedisSentinel{t: t}
	s.master = launchOnFreePort(t, bin, func(port int) []string { return dataNodeArgs(port, t.TempDir()) })
	s.Master = s.master.addr
	_, masterPort, _ := strings.Cut(s.Master, ":")
	s.replica = launchOnFreePort(t, bin, func(port int) []string {
		return append(dataNodeArgs(port, t.TempDir()), "--replicaof", "127.0.0.1", masterPort)
	})
	s.Replica = s.replica.addr
	dir := t.TempDir()
	sentinel := launchOnFreePort(t, bin, func(port int) []string {
		conf := filepath.Join(dir, "sentinel-"+strconv.Itoa(port)+".conf")
		text := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\n"+
			"sentinel monitor %s 127.0.0.1 %s 1\n"+
			"sentinel down-after-milliseconds %[3]s 1000\n"+
			"sentinel failover-timeout %[3]s 3000\n"+
			"sentinel parallel-syncs %[3]s 1\n", port, dir, SentinelMaster, masterPort)
		// The sentinel rewrites its file (what it learns), so it is its own.
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return []string{conf, "--sentinel"}
	})
	s.Sentinels = []string{sentinel.addr}

	sc := redis.NewSentinelClient(&redis.Options{Addr: sentinel.addr})
	defer sc.Close()
	waitUntil(t, 30*time.Second, "the sentinel knows the replica", func(ctx context.Context) bool {
		replicas, err := sc.Replicas(ctx, SentinelMaster).Result()
		if err != nil {
			return false
		}
		for _, r := range replicas {
			if r["name"] == s.Replica && r["flags"] == "slave" && r["master-link-status"] == "ok" {
				return true
			}
		}
		return false
	})
	return s
}

// KillMaster SIGKILLs the master, as a crash of its machine would.
func (s *RedisSentinel) KillMaster() { s.master.kill() }

// CurrentMaster asks the sentinels which address is the master now.
func (s *RedisSentinel) CurrentMaster(ctx context.Context) (string, error) {
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinels[0]})
	defer sc.Close()
	hp, err := sc.GetMasterAddrByName(ctx, SentinelMaster).Result()
	if err != nil {
		return "", fmt.Errorf("ask the sentinel for the master: %w", err)
	}
	if len(hp) != 2 {
		return "", fmt.Errorf("the sentinel answered %q", hp)
	}
	return hp[0] + ":" + hp[1], nil
}

// WaitReplicated waits until the replica has every write the master took so far
// (WAIT), so that a failover loses none of them.
func (s *RedisSentinel) WaitReplicated(ctx context.Context) error {
	c := redis.NewClient(&redis.Options{Addr: s.Master})
	defer c.Close()
	n, err := c.Wait(ctx, 1, 10*time.Second).Result()
	if err != nil {
		return fmt.Errorf("WAIT on the master: %w", err)
	}
	if n < 1 {
		return fmt.Errorf("the replica did not acknowledge the master's writes within 10 s")
	}
	return nil
}

// redisServer finds redis-server, or skips (fails under CI=true) the test.
func redisServer(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		StartRedis(t) // skips or fails with the reason
	}
	return bin
}

// dataNodeArgs are those of a data node without persistence on port.
func dataNodeArgs(port int, dir string) []string {
	return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no", "--logfile", ""}
}

// launchOnFreePort starts a server on a free port (args says how), retrying when
// the port was taken meanwhile; it is killed when the test ends.
func launchOnFreePort(t testing.TB, bin string, args func(port int) []string) *redisProcess {
	t.Helper()
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		p, err := launch(bin, port, args(port)...)
		if err == nil {
			t.Cleanup(p.kill)
			return p
		}
		lastErr = err
	}
	t.Fatalf("start redis-server: %v", lastErr)
	return nil
}

// waitUntil fails the test unless cond holds within d (each try bounded by 1 s).
func waitUntil(t testing.TB, d time.Duration, what string, cond func(ctx context.Context) bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		ok := cond(ctx)
		cancel()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
