package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/redisconn"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

func TestOpenChoosesBoltWithoutRedis(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "data", "nested")
	s, err := store.Open(ctx, dir, store.RedisOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.(*store.BoltStore); !ok {
		t.Fatalf("Open returned %T", s)
	}
	if _, err := os.Stat(filepath.Join(dir, store.BoltFileName)); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(ctx, "", store.RedisOptions{}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Open without anything: %v", err)
	}
}

func TestOpenChoosesRedisWithAnAddress(t *testing.T) {
	addr := storetest.StartRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := store.Open(ctx, t.TempDir(), store.RedisOptions{Options: redisconn.Options{Address: addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.(*store.RedisStore); !ok {
		t.Fatalf("Open returned %T", s)
	}
}
