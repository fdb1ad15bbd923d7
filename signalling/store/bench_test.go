package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

func benchCreate(b *testing.B, s store.Store) {
	ctx := context.Background()
	in := meeting.Input{Title: "Bench", Start: "2026-12-01T10:00", End: "2026-12-01T11:00", TimeZone: "Europe/Paris"}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		m, err := meeting.New(in, "", now)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.CreateMeeting(ctx, m, store.Room{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBoltCreateMeeting measures one durable meeting creation (fsync per commit).
func BenchmarkBoltCreateMeeting(b *testing.B) {
	s, err := store.OpenBolt(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchCreate(b, s)
}

// BenchmarkRedisCreateMeeting measures one creation through the Lua script over loopback.
func BenchmarkRedisCreateMeeting(b *testing.B) {
	client := redis.NewClient(&redis.Options{Addr: storetest.StartRedis(b)})
	defer client.Close()
	benchCreate(b, store.NewRedis(client, "bench"))
}
