package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Recordings live in the hash <prefix>:recordings, id → value. Updates use
// casMeetingScript, which compares and swaps a field of any hash.

func (s *RedisStore) CreateRecording(ctx context.Context, r Recording) error {
	if err := checkRecording(r); err != nil {
		return err
	}
	val, err := encodeRecording(r)
	if err != nil {
		return fmt.Errorf("create recording %s: %w", r.ID, err)
	}
	set, err := s.client.HSetNX(ctx, s.recordings, r.ID, val).Result()
	if err != nil {
		return fmt.Errorf("create recording %s: %w", r.ID, mapRedisErr(err))
	}
	if !set {
		return fmt.Errorf("create recording %s: %w: id is taken", r.ID, ErrConflict)
	}
	return nil
}

func (s *RedisStore) getRecordingRaw(ctx context.Context, id string) (Recording, string, error) {
	val, err := s.client.HGet(ctx, s.recordings, id).Result()
	if errors.Is(err, redis.Nil) {
		return Recording{}, "", ErrNotFound
	}
	if err != nil {
		return Recording{}, "", mapRedisErr(err)
	}
	r, err := decodeRecording([]byte(val))
	return r, val, err
}

func (s *RedisStore) GetRecording(ctx context.Context, id string) (Recording, error) {
	r, _, err := s.getRecordingRaw(ctx, id)
	if err != nil {
		return Recording{}, fmt.Errorf("get recording %s: %w", id, err)
	}
	return r, nil
}

func (s *RedisStore) UpdateRecording(ctx context.Context, id string, update func(r *Recording) error) (Recording, error) {
	for range casAttempts {
		before, old, err := s.getRecordingRaw(ctx, id)
		if err != nil {
			return Recording{}, fmt.Errorf("update recording %s: %w", id, err)
		}
		after := cloneRecording(before)
		if err := update(&after); err != nil {
			return Recording{}, fmt.Errorf("update recording %s: %w", id, err)
		}
		if err := checkRecordingImmutable(before, after); err != nil {
			return Recording{}, fmt.Errorf("update recording %s: %w", id, err)
		}
		val, err := encodeRecording(after)
		if err != nil {
			return Recording{}, fmt.Errorf("update recording %s: %w", id, err)
		}
		n, err := casMeetingScript.Run(ctx, s.client, []string{s.recordings}, id, old, val).Int()
		if err != nil {
			return Recording{}, fmt.Errorf("update recording %s: %w", id, mapRedisErr(err))
		}
		switch n {
		case 1:
			return after, nil
		case -1:
			return Recording{}, fmt.Errorf("update recording %s: %w", id, ErrNotFound)
		}
	}
	return Recording{}, fmt.Errorf("update recording %s: %w: too many concurrent writers", id, ErrConflict)
}

func (s *RedisStore) ListRecordings(ctx context.Context, room string) ([]Recording, error) {
	all, err := s.client.HGetAll(ctx, s.recordings).Result()
	if err != nil {
		return nil, fmt.Errorf("list recordings: %w", mapRedisErr(err))
	}
	recs := make([]Recording, 0, len(all))
	for id, val := range all {
		r, err := decodeRecording([]byte(val))
		if err != nil {
			return nil, fmt.Errorf("list recordings: recording %s: %w", id, err)
		}
		recs = append(recs, r)
	}
	return keepRoom(recs, room), nil
}
