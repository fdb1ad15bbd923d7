package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"
)

// SessionRevocations remember signed-out sessions (signalling/oidcauth) until they
// would have expired, for every node that shares the store. Both stores have them.
type SessionRevocations interface {
	// RevokeSession marks session id as ended until until.
	RevokeSession(ctx context.Context, id string, until time.Time) error
	// SessionRevoked reports whether id was revoked and until is still ahead of now.
	SessionRevoked(ctx context.Context, id string, now time.Time) (bool, error)
}

var (
	_ SessionRevocations = (*BoltStore)(nil)
	_ SessionRevocations = (*RedisStore)(nil)
)

func checkSessionID(id string) error {
	if id == "" || len(id) > 128 {
		return fmt.Errorf("%w: session id must be 1-128 bytes", ErrInvalid)
	}
	return nil
}

// RevokeSession stores id with its expiry, and drops the entries that have expired
// (the file holds only sessions that could still be presented).
func (s *BoltStore) RevokeSession(ctx context.Context, id string, until time.Time) error {
	if err := checkSessionID(id); err != nil {
		return err
	}
	now := time.Now()
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRevoked)
		var stale [][]byte
		err := b.ForEach(func(k, v []byte) error {
			if t, err := time.Parse(time.RFC3339, string(v)); err != nil || !t.After(now) {
				stale = append(stale, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return b.Put([]byte(id), []byte(until.UTC().Format(time.RFC3339)))
	})
}

// SessionRevoked reads id's entry.
func (s *BoltStore) SessionRevoked(ctx context.Context, id string, now time.Time) (bool, error) {
	if err := checkSessionID(id); err != nil {
		return false, err
	}
	revoked := false
	err := s.view(ctx, func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRevoked).Get([]byte(id))
		if v == nil {
			return nil
		}
		t, err := time.Parse(time.RFC3339, string(v))
		revoked = err != nil || t.After(now) // an unreadable entry counts as revoked
		return nil
	})
	return revoked, err
}

// RevokeSession sets a key that Redis itself expires with the session.
func (s *RedisStore) RevokeSession(ctx context.Context, id string, until time.Time) error {
	if err := checkSessionID(id); err != nil {
		return err
	}
	ttl := time.Until(until)
	if ttl <= 0 {
		return nil // expired already: the signature check refuses it
	}
	if err := s.client.Set(ctx, s.revoked+id, until.UTC().Format(time.RFC3339), ttl).Err(); err != nil {
		return fmt.Errorf("revoke session: %w", mapRedisErr(err))
	}
	return nil
}

// SessionRevoked reads id's key.
func (s *RedisStore) SessionRevoked(ctx context.Context, id string, now time.Time) (bool, error) {
	if err := checkSessionID(id); err != nil {
		return false, err
	}
	v, err := s.client.Get(ctx, s.revoked+id).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("session revoked: %w", mapRedisErr(err))
	}
	t, err := time.Parse(time.RFC3339, v)
	return err != nil || t.After(now), nil
}
