package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ensemble-sfu/ensemble/internal/redisconn"
	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

func TestRedis(t *testing.T) {
	addr := storetest.StartRedis(t)
	client := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { client.Close() })
	runRedisSuite(t, client, "test%d")
}

// runRedisSuite runs the store suite on client, each case under its own key
// prefix (prefix holds a %d): a fresh, empty store on the same server.
func runRedisSuite(t *testing.T, client redis.UniversalClient, prefix string) {
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) store.Store {
		return store.NewRedis(client, fmt.Sprintf(prefix, n.Add(1)))
	})
}

func TestOpenRedis(t *testing.T) {
	addr := storetest.StartRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	s, err := store.OpenRedis(ctx, store.RedisOptions{Options: redisconn.Options{Address: addr}})
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	if err := s.PutRoom(ctx, store.Room{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	// A second node (its own connection) sees what the first wrote.
	other, err := store.OpenRedis(ctx, store.RedisOptions{Options: redisconn.Options{Address: addr}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.GetRoom(ctx, "r"); err != nil {
		t.Fatalf("second node: %v", err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRoom(ctx, "r"); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("GetRoom after Close: err = %v, want ErrClosed", err)
	}

	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	if _, err := store.OpenRedis(short, store.RedisOptions{Options: redisconn.Options{Address: "127.0.0.1:1"}}); err == nil {
		t.Fatal("OpenRedis to a closed port succeeded")
	}
}

// TestRedisTwoNodesSameIdempotencyKey: requests with one key reaching two nodes (two
// connection pools) at once still make one meeting.
func TestRedisTwoNodesSameIdempotencyKey(t *testing.T) {
	addr := storetest.StartRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var nodes [2]*store.RedisStore
	for i := range nodes {
		s, err := store.OpenRedis(ctx, store.RedisOptions{Options: redisconn.Options{Address: addr}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		nodes[i] = s
	}
	const requests = 20
	ids := make(chan string, requests)
	created := make(chan bool, requests)
	var wg sync.WaitGroup
	for i := range requests {
		m, err := meeting.New(meeting.Input{Title: "Sync", Start: "2026-12-01T10:00", End: "2026-12-01T11:00"}, "k:1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, isNew, err := nodes[i%2].CreateMeeting(ctx, m, store.Room{})
			if err != nil {
				t.Error(err)
				return
			}
			ids <- got.ID
			created <- isNew
		}()
	}
	wg.Wait()
	close(ids)
	close(created)
	distinct := map[string]bool{}
	for id := range ids {
		distinct[id] = true
	}
	n := 0
	for c := range created {
		if c {
			n++
		}
	}
	if len(distinct) != 1 || n != 1 {
		t.Fatalf("%d distinct meetings, %d created=true; want 1 and 1", len(distinct), n)
	}
}
