package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/ensemble-sfu/ensemble/internal/redisconn"
)

// RedisOptions says how to reach Redis: one server, a master behind Sentinel, or
// Redis Cluster (see redisconn).
type RedisOptions struct {
	redisconn.Options
	// Prefix starts every key; default Options.KeyTag(): "ensemble", or on Redis
	// Cluster the hash tag "{ensemble}", since the scripts' keys (a meeting and its
	// indexes) must share a slot.
	Prefix string
}

// RedisStore is the shared Store: every node of a cluster sees the same records.
// Layout (all hashes): <prefix>:rooms name→value, <prefix>:meetings id→value,
// <prefix>:meetings:by_idempotency_key key→id, <prefix>:meetings:by_sip_id sip id→id.
type RedisStore struct {
	client   redis.UniversalClient
	ownsConn bool
	rooms    string
	meetings string
	byIdem   string
	bySIP    string
	revoked  string // key prefix of signed-out sessions
	// recordings is <prefix>:recordings, id→value.
	recordings string
}

var _ Store = (*RedisStore)(nil)

// OpenRedis connects to Redis and checks the connection with PING.
func OpenRedis(ctx context.Context, opts RedisOptions) (*RedisStore, error) {
	client, err := redisconn.New(opts.Options)
	if err != nil {
		return nil, fmt.Errorf("open redis store: %w: %w", ErrInvalid, err)
	}
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("open redis store %s: %w", opts.Describe(), err)
	}
	if opts.Prefix == "" {
		opts.Prefix = opts.KeyTag()
	}
	s := NewRedis(client, opts.Prefix)
	s.ownsConn = true
	return s, nil
}

// NewRedis uses an existing client (shared with cluster routing, say); Close then
// leaves the client open. On Redis Cluster, prefix must be a hash tag
// (redisconn.Options.KeyTag).
func NewRedis(client redis.UniversalClient, prefix string) *RedisStore {
	if prefix == "" {
		prefix = "ensemble"
	}
	return &RedisStore{
		client:     client,
		rooms:      prefix + ":rooms",
		meetings:   prefix + ":meetings",
		byIdem:     prefix + ":meetings:by_idempotency_key",
		bySIP:      prefix + ":meetings:by_sip_id",
		revoked:    prefix + ":revoked_session:",
		recordings: prefix + ":recordings",
	}
}

// Close closes the connection pool if OpenRedis made it.
func (s *RedisStore) Close() error {
	if s.ownsConn {
		return s.client.Close()
	}
	return nil
}

func mapRedisErr(err error) error {
	if errors.Is(err, redis.ErrClosed) {
		return fmt.Errorf("%w: %v", ErrClosed, err)
	}
	return err
}

func (s *RedisStore) PutRoom(ctx context.Context, r Room) error {
	if err := checkRoom(r); err != nil {
		return err
	}
	val, err := encodeRoom(r)
	if err != nil {
		return fmt.Errorf("put room %s: %w", r.Name, err)
	}
	if err := s.client.HSet(ctx, s.rooms, r.Name, val).Err(); err != nil {
		return fmt.Errorf("put room %s: %w", r.Name, mapRedisErr(err))
	}
	return nil
}

// createRoomScript sets the room unless present, returning the existing value otherwise
// (HSETNX alone would need a second round trip to read it, racing a delete).
var createRoomScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then return old end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return false
`)

func (s *RedisStore) CreateRoom(ctx context.Context, r Room) (Room, error) {
	if err := checkRoom(r); err != nil {
		return Room{}, err
	}
	val, err := encodeRoom(r)
	if err != nil {
		return Room{}, fmt.Errorf("create room %s: %w", r.Name, err)
	}
	old, err := createRoomScript.Run(ctx, s.client, []string{s.rooms}, r.Name, val).Text()
	switch {
	case errors.Is(err, redis.Nil):
		return r, nil
	case err != nil:
		return Room{}, fmt.Errorf("create room %s: %w", r.Name, mapRedisErr(err))
	}
	existing, err := decodeRoom([]byte(old))
	if err != nil {
		return Room{}, fmt.Errorf("create room %s: %w", r.Name, err)
	}
	return existing, fmt.Errorf("create room %s: %w", r.Name, ErrConflict)
}

func (s *RedisStore) GetRoom(ctx context.Context, name string) (Room, error) {
	val, err := s.client.HGet(ctx, s.rooms, name).Bytes()
	if errors.Is(err, redis.Nil) {
		err = ErrNotFound
	}
	if err != nil {
		return Room{}, fmt.Errorf("get room %s: %w", name, mapRedisErr(err))
	}
	r, err := decodeRoom(val)
	if err != nil {
		return Room{}, fmt.Errorf("get room %s: %w", name, err)
	}
	return r, nil
}

func (s *RedisStore) DeleteRoom(ctx context.Context, name string) error {
	n, err := s.client.HDel(ctx, s.rooms, name).Result()
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete room %s: %w", name, mapRedisErr(err))
	}
	return nil
}

func (s *RedisStore) ListRooms(ctx context.Context) ([]Room, error) {
	all, err := s.client.HGetAll(ctx, s.rooms).Result()
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", mapRedisErr(err))
	}
	rooms := make([]Room, 0, len(all))
	for name, val := range all {
		r, err := decodeRoom([]byte(val))
		if err != nil {
			return nil, fmt.Errorf("list rooms: room %s: %w", name, err)
		}
		rooms = append(rooms, r)
	}
	sortRooms(rooms)
	return rooms, nil
}
