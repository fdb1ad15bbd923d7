package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/ensemble-sfu/ensemble/signalling/meeting"
)

// createMeetingScript does the whole creation atomically (a Lua script runs alone):
// replay by idempotency key, id and SIP id uniqueness, then the writes: meeting,
// indexes, and the meeting's room unless it exists.
// KEYS: meetings, by_idempotency_key, by_sip_id, rooms.
// ARGV: id, value, idempotency key, sip id, room name, room value.
// Returns {"existing", value}, {"id_taken"}, {"sip_taken"} or {"created"}.
var createMeetingScript = redis.NewScript(`
if ARGV[3] ~= '' then
  local id = redis.call('HGET', KEYS[2], ARGV[3])
  if id then
    local val = redis.call('HGET', KEYS[1], id)
    if val then return {'existing', val} end
  end
end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return {'id_taken'} end
if redis.call('HEXISTS', KEYS[3], ARGV[4]) == 1 then return {'sip_taken'} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[4], ARGV[1])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[1]) end
redis.call('HSETNX', KEYS[4], ARGV[5], ARGV[6])
return {'created'}
`)

// casMeetingScript replaces a meeting's value only if it is still the one read.
// KEYS: meetings. ARGV: id, old value, new value. Returns 1 on success, 0 if changed, -1 if gone.
var casMeetingScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return -1 end
if cur ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`)

// deleteMeetingScript removes a meeting and its index entries, if the value is the one
// read (so the index keys taken from it are right). KEYS: meetings, by_idem, by_sip.
// ARGV: id, value, idempotency key, sip id. Returns 1, 0 if changed, -1 if gone.
var deleteMeetingScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return -1 end
if cur ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if ARGV[3] ~= '' and redis.call('HGET', KEYS[2], ARGV[3]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[3]) end
if redis.call('HGET', KEYS[3], ARGV[4]) == ARGV[1] then redis.call('HDEL', KEYS[3], ARGV[4]) end
return 1
`)

// casAttempts bounds optimistic retries under contention before giving up with ErrConflict.
const casAttempts = 32

func (s *RedisStore) CreateMeeting(ctx context.Context, m *meeting.Meeting, room Room) (*meeting.Meeting, bool, error) {
	if err := checkNewMeeting(m); err != nil {
		return nil, false, err
	}
	room, err := meetingRoom(m, room)
	if err != nil {
		return nil, false, err
	}
	roomVal, err := encodeRoom(room)
	if err != nil {
		return nil, false, fmt.Errorf("create meeting %s: %w", m.ID, err)
	}
	stored := clone(m)
	allocate := stored.SIPID == ""
	for range sipIDAttempts {
		if allocate {
			stored.SIPID = NewSIPID()
		}
		val, err := encodeMeeting(stored)
		if err != nil {
			return nil, false, fmt.Errorf("create meeting %s: %w", m.ID, err)
		}
		keys := []string{s.meetings, s.byIdem, s.bySIP, s.rooms}
		res, err := createMeetingScript.Run(ctx, s.client, keys, stored.ID, val, stored.IdempotencyKey, stored.SIPID,
			room.Name, roomVal).StringSlice()
		if err != nil {
			return nil, false, fmt.Errorf("create meeting %s: %w", m.ID, mapRedisErr(err))
		}
		switch res[0] {
		case "created":
			return stored, true, nil
		case "existing":
			existing, err := decodeMeeting([]byte(res[1]))
			if err != nil {
				return nil, false, fmt.Errorf("create meeting %s: %w", m.ID, err)
			}
			return existing, false, nil
		case "id_taken":
			return nil, false, fmt.Errorf("create meeting %s: %w: meeting id is taken", m.ID, ErrConflict)
		case "sip_taken":
			if !allocate {
				return nil, false, fmt.Errorf("create meeting %s: %w: SIP id %s is taken", m.ID, ErrConflict, stored.SIPID)
			}
		default:
			return nil, false, fmt.Errorf("create meeting %s: unexpected script reply %q", m.ID, res)
		}
	}
	return nil, false, fmt.Errorf("create meeting %s: %w: no free SIP id after %d attempts", m.ID, ErrConflict, sipIDAttempts)
}

// getMeetingRaw returns the stored value too, for compare-and-swap.
func (s *RedisStore) getMeetingRaw(ctx context.Context, id string) (*meeting.Meeting, string, error) {
	val, err := s.client.HGet(ctx, s.meetings, id).Result()
	if errors.Is(err, redis.Nil) {
		return nil, "", ErrNotFound
	}
	if err != nil {
		return nil, "", mapRedisErr(err)
	}
	m, err := decodeMeeting([]byte(val))
	return m, val, err
}

func (s *RedisStore) GetMeeting(ctx context.Context, id string) (*meeting.Meeting, error) {
	m, _, err := s.getMeetingRaw(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get meeting %s: %w", id, err)
	}
	return m, nil
}

func (s *RedisStore) GetMeetingBySIPID(ctx context.Context, sipID string) (*meeting.Meeting, error) {
	id, err := s.client.HGet(ctx, s.bySIP, sipID).Result()
	if errors.Is(err, redis.Nil) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get meeting by SIP id %s: %w", sipID, mapRedisErr(err))
	}
	m, _, err := s.getMeetingRaw(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get meeting by SIP id %s: %w", sipID, err)
	}
	return m, nil
}

func (s *RedisStore) UpdateMeeting(ctx context.Context, id string, update func(m *meeting.Meeting) error) (*meeting.Meeting, error) {
	for range casAttempts {
		before, old, err := s.getMeetingRaw(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("update meeting %s: %w", id, err)
		}
		after := clone(before)
		if err := update(after); err != nil {
			return nil, fmt.Errorf("update meeting %s: %w", id, err)
		}
		if err := checkImmutable(before, after); err != nil {
			return nil, fmt.Errorf("update meeting %s: %w", id, err)
		}
		val, err := encodeMeeting(after)
		if err != nil {
			return nil, fmt.Errorf("update meeting %s: %w", id, err)
		}
		n, err := casMeetingScript.Run(ctx, s.client, []string{s.meetings}, id, old, val).Int()
		if err != nil {
			return nil, fmt.Errorf("update meeting %s: %w", id, mapRedisErr(err))
		}
		switch n {
		case 1:
			return after, nil
		case -1:
			return nil, fmt.Errorf("update meeting %s: %w", id, ErrNotFound)
		}
		// 0: someone else wrote in between; read again and reapply.
	}
	return nil, fmt.Errorf("update meeting %s: %w: too many concurrent writers", id, ErrConflict)
}

func (s *RedisStore) DeleteMeeting(ctx context.Context, id string) error {
	for range casAttempts {
		m, old, err := s.getMeetingRaw(ctx, id)
		if err != nil {
			return fmt.Errorf("delete meeting %s: %w", id, err)
		}
		keys := []string{s.meetings, s.byIdem, s.bySIP}
		n, err := deleteMeetingScript.Run(ctx, s.client, keys, id, old, m.IdempotencyKey, m.SIPID).Int()
		if err != nil {
			return fmt.Errorf("delete meeting %s: %w", id, mapRedisErr(err))
		}
		switch n {
		case 1:
			return nil
		case -1:
			return fmt.Errorf("delete meeting %s: %w", id, ErrNotFound)
		}
	}
	return fmt.Errorf("delete meeting %s: %w: too many concurrent writers", id, ErrConflict)
}

func (s *RedisStore) ListMeetings(ctx context.Context) ([]*meeting.Meeting, error) {
	all, err := s.client.HGetAll(ctx, s.meetings).Result()
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", mapRedisErr(err))
	}
	ms := make([]*meeting.Meeting, 0, len(all))
	for id, val := range all {
		m, err := decodeMeeting([]byte(val))
		if err != nil {
			return nil, fmt.Errorf("list meetings: meeting %s: %w", id, err)
		}
		ms = append(ms, m)
	}
	sortMeetings(ms)
	return ms, nil
}
