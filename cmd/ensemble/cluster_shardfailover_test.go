package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

// clusterKeyTag is the hash tag every key of the nodes carries on Redis
// Cluster: all of them live on the shard that serves its slot.
const clusterKeyTag = "{ensemble}"

// The shard of a Redis Cluster (three masters, a replica each) that holds the
// nodes' keys loses its master (SIGKILL) under two nodes: the cluster promotes
// its replica, both nodes register again through it, the live room's media
// never stops and nobody moves, the meeting is still there; a join of a room
// not live yet is refused with 503 while the shard has no master, and the
// same room, joined again afterwards, is placed and carries media.
func TestRedisClusterShardFailoverKeepsRoomsAndMeetings(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster with replicas and server processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	rc := storetest.StartRedisClusterHA(t)
	var urls []string
	for i := range 2 {
		port := freePort(t)
		p := startServeProcess(t, port, "--dev", "--data-dir", t.TempDir(),
			"--redis-cluster-addresses", strings.Join(rc.Addrs, ","),
			"--node-id", fmt.Sprintf("node-%d", i+1), "--node-url", "http://127.0.0.1:"+strconv.Itoa(port))
		urls = append(urls, p.url)
	}
	f, host, meetingID := meetingLiveOnTwoNodes(t, ctx, urls, "Through the shard's failover")
	if err := rc.WaitReplicated(ctx, clusterKeyTag); err != nil {
		t.Fatal(err)
	}

	dead, err := rc.KillMaster(ctx, clusterKeyTag)
	if err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	// A room not live yet, joined while the shard has no master: its record
	// cannot be read, so the join is refused with 503 and Retry-After (a
	// client retries), not served by guess; it opens after the failover.
	quiet := client.WithLogger(slog.New(slog.DiscardHandler))
	// The client's own retry of a 503 is off: the refusal is what is checked here.
	if early, err := client.Join(ctx, urls[0], participantToken(t, "during-failover", "early"), quiet, client.WithJoinRetry(0)); err == nil {
		t.Log("a join during the failover went through: the replica was promoted first")
		_ = early.Close()
	} else if !strings.Contains(err.Error(), "HTTP 503") {
		t.Errorf("a join of a new room during the failover: %v; want 503, retry shortly", err)
	}
	keepsFlowing(t, "while the shard's master is dead", f.received.Load)
	waitFor(t, 30*time.Second, "the cluster promoted the shard's replica", func() bool {
		cur, err := rc.MasterOf(ctx, clusterKeyTag)
		return err == nil && cur != dead
	})
	t.Logf("replica promoted %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	checkAfterFailover(t, ctx, urls, f, host, meetingID, time.Now())
	received := liveRoomAcross(t, ctx, urls[1], urls[0], "during-failover")
	keepsFlowing(t, "the room refused during the failover, joined again after it", received)
	if got := roomNode(t, ctx, urls[0], "during-failover"); got != "node-1" && got != "node-2" {
		t.Errorf("the new room is on %q", got)
	}
}
