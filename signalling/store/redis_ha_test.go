package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ensemble-sfu/ensemble/internal/redisconn"
	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

// The whole store suite on a real three-master Redis Cluster: every case's keys
// share one hash tag, as the store's keys do in Cluster mode, so its multi-key
// scripts (a meeting and its indexes) run.
func TestRedisCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	addrs := storetest.StartRedisCluster(t)
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { client.Close() })
	runRedisSuite(t, client, "{test%d}")
}

// OpenRedis with cluster addresses tags its keys itself: a meeting (one script
// over the meetings hash and its two indexes) is created and found again, which
// Redis Cluster refuses (CROSSSLOT) when the keys are in different slots, as the
// untagged prefix shows.
func TestOpenRedisCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	addrs := storetest.StartRedisCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := store.OpenRedis(ctx, store.RedisOptions{Options: redisconn.Options{ClusterAddresses: addrs[:1]}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := newMeeting(t, "idem-cluster")
	created, isNew, err := s.CreateMeeting(ctx, m, store.Room{Name: m.Room})
	if err != nil || !isNew {
		t.Fatalf("create meeting on Redis Cluster: %v (new %v)", err, isNew)
	}
	if got, err := s.GetMeeting(ctx, created.ID); err != nil || got.Title != m.Title {
		t.Fatalf("get meeting: %+v, %v", got, err)
	}

	untagged, err := store.OpenRedis(ctx, store.RedisOptions{Options: redisconn.Options{ClusterAddresses: addrs}, Prefix: "ensemble"})
	if err != nil {
		t.Fatal(err)
	}
	defer untagged.Close()
	if _, _, err := untagged.CreateMeeting(ctx, newMeeting(t, "idem-untagged"), store.Room{}); err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Fatalf("an untagged prefix on Redis Cluster: %v, want CROSSSLOT", err)
	}
}

// Through Sentinel the store follows a failover: what it wrote before the master
// died (and the replica acknowledged) is read from the promoted replica, and
// writes go on there.
func TestOpenRedisSentinelFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Redis with a sentinel")
	}
	rs := storetest.StartRedisSentinel(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := store.OpenRedis(ctx, store.RedisOptions{Options: redisconn.Options{
		MasterName: storetest.SentinelMaster, SentinelAddresses: rs.Sentinels}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := newMeeting(t, "idem-failover")
	created, _, err := s.CreateMeeting(ctx, m, store.Room{Name: m.Room})
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.WaitReplicated(ctx); err != nil {
		t.Fatal(err)
	}
	rs.KillMaster()
	for {
		if cur, err := rs.CurrentMaster(ctx); err == nil && cur == rs.Replica {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the sentinel never promoted the replica")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The client may still hold a connection to the dead master: retry until the
	// first command reaches the new one.
	var got *meeting.Meeting
	for {
		if got, err = s.GetMeeting(ctx, created.ID); err == nil || errors.Is(err, store.ErrNotFound) || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || got.Title != m.Title {
		t.Fatalf("the meeting after the failover: %+v, %v", got, err)
	}
	if err := s.PutRoom(ctx, store.Room{Name: "after-failover"}); err != nil {
		t.Fatalf("write after the failover: %v", err)
	}
}

func newMeeting(t *testing.T, idem string) *meeting.Meeting {
	t.Helper()
	m, err := meeting.New(meeting.Input{Title: "HA " + idem, Start: "2026-12-01T10:00", End: "2026-12-01T11:00"}, idem, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return m
}
