package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ensemble-sfu/ensemble/signalling/meeting"
)

// Buckets of the bbolt file. Index buckets map a secondary key to a meeting id.
var (
	bucketRooms       = []byte("rooms")
	bucketMeetings    = []byte("meetings")
	bucketIdempotency = []byte("meetings_by_idempotency_key")
	bucketSIPIDs      = []byte("meetings_by_sip_id")
	bucketRevoked     = []byte("revoked_sessions")
	bucketRecordings  = []byte("recordings")
	allBuckets        = [][]byte{bucketRooms, bucketMeetings, bucketIdempotency, bucketSIPIDs, bucketRecordings, bucketRevoked}
)

// BoltStore is the embedded Store: one bbolt file, for a single node.
type BoltStore struct {
	db *bolt.DB
	// failAfterMeetingWrite, when set (tests), fails CreateMeeting's transaction
	// between the meeting's writes and its room's: a crash at the worst moment.
	failAfterMeetingWrite func() error
}

var _ Store = (*BoltStore)(nil)

// OpenBolt opens (creating if needed) the store file at path, e.g.
// filepath.Join(dataDir, "ensemble.db"). The file is locked: a second process
// opening it fails after a second instead of waiting forever.
func OpenBolt(path string) (*BoltStore, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return &BoltStore{db: db}, nil
}

// Close closes the file.
func (s *BoltStore) Close() error {
	return s.db.Close()
}

// view and update run fn in a transaction after checking ctx (bbolt itself does not
// take contexts; transactions are short).
func (s *BoltStore) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return mapBoltErr(s.db.View(fn))
}

func (s *BoltStore) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return mapBoltErr(s.db.Update(fn))
}

func mapBoltErr(err error) error {
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

func (s *BoltStore) PutRoom(ctx context.Context, r Room) error {
	if err := checkRoom(r); err != nil {
		return err
	}
	val, err := encodeRoom(r)
	if err != nil {
		return fmt.Errorf("put room %s: %w", r.Name, err)
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRooms).Put([]byte(r.Name), val)
	})
}

func (s *BoltStore) CreateRoom(ctx context.Context, r Room) (Room, error) {
	if err := checkRoom(r); err != nil {
		return Room{}, err
	}
	val, err := encodeRoom(r)
	if err != nil {
		return Room{}, fmt.Errorf("create room %s: %w", r.Name, err)
	}
	var existing Room
	err = s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRooms)
		if old := b.Get([]byte(r.Name)); old != nil {
			var err error
			if existing, err = decodeRoom(old); err != nil {
				return err
			}
			return ErrConflict
		}
		return b.Put([]byte(r.Name), val)
	})
	if errors.Is(err, ErrConflict) {
		return existing, fmt.Errorf("create room %s: %w", r.Name, err)
	}
	if err != nil {
		return Room{}, fmt.Errorf("create room %s: %w", r.Name, err)
	}
	return r, nil
}

func (s *BoltStore) GetRoom(ctx context.Context, name string) (Room, error) {
	var r Room
	err := s.view(ctx, func(tx *bolt.Tx) error {
		val := tx.Bucket(bucketRooms).Get([]byte(name))
		if val == nil {
			return ErrNotFound
		}
		var err error
		r, err = decodeRoom(val)
		return err
	})
	if err != nil {
		return Room{}, fmt.Errorf("get room %s: %w", name, err)
	}
	return r, nil
}

func (s *BoltStore) DeleteRoom(ctx context.Context, name string) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRooms)
		if b.Get([]byte(name)) == nil {
			return ErrNotFound
		}
		return b.Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("delete room %s: %w", name, err)
	}
	return nil
}

func (s *BoltStore) ListRooms(ctx context.Context) ([]Room, error) {
	rooms := []Room{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRooms).ForEach(func(_, val []byte) error {
			r, err := decodeRoom(val)
			if err != nil {
				return err
			}
			rooms = append(rooms, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	sortRooms(rooms) // bbolt iterates in key order already; sorting keeps both stores alike
	return rooms, nil
}

func (s *BoltStore) CreateMeeting(ctx context.Context, m *meeting.Meeting, room Room) (*meeting.Meeting, bool, error) {
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
	var existing *meeting.Meeting
	// One Update transaction: bbolt serializes writers, so the idempotency check, the
	// SIP id allocation and the writes (meeting, indexes, room) cannot interleave with
	// another request, and a crash keeps all of them or none.
	err = s.update(ctx, func(tx *bolt.Tx) error {
		meetings, idem, sips := tx.Bucket(bucketMeetings), tx.Bucket(bucketIdempotency), tx.Bucket(bucketSIPIDs)
		if m.IdempotencyKey != "" {
			if id := idem.Get([]byte(m.IdempotencyKey)); id != nil {
				if val := meetings.Get(id); val != nil {
					var err error
					existing, err = decodeMeeting(val)
					return err
				}
			}
		}
		if meetings.Get([]byte(m.ID)) != nil {
			return fmt.Errorf("%w: meeting id %s is taken", ErrConflict, m.ID)
		}
		if stored.SIPID == "" {
			for range sipIDAttempts {
				if candidate := NewSIPID(); sips.Get([]byte(candidate)) == nil {
					stored.SIPID = candidate
					break
				}
			}
			if stored.SIPID == "" {
				return fmt.Errorf("%w: no free SIP id after %d attempts", ErrConflict, sipIDAttempts)
			}
		} else if sips.Get([]byte(stored.SIPID)) != nil {
			return fmt.Errorf("%w: SIP id %s is taken", ErrConflict, stored.SIPID)
		}
		val, err := encodeMeeting(stored)
		if err != nil {
			return err
		}
		id := []byte(stored.ID)
		if err := meetings.Put(id, val); err != nil {
			return err
		}
		if err := sips.Put([]byte(stored.SIPID), id); err != nil {
			return err
		}
		if stored.IdempotencyKey != "" {
			if err := idem.Put([]byte(stored.IdempotencyKey), id); err != nil {
				return err
			}
		}
		if s.failAfterMeetingWrite != nil {
			if err := s.failAfterMeetingWrite(); err != nil {
				return err
			}
		}
		if rooms := tx.Bucket(bucketRooms); rooms.Get([]byte(room.Name)) == nil {
			return rooms.Put([]byte(room.Name), roomVal)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("create meeting %s: %w", m.ID, err)
	}
	if existing != nil {
		return existing, false, nil
	}
	return stored, true, nil
}

func (s *BoltStore) GetMeeting(ctx context.Context, id string) (*meeting.Meeting, error) {
	var m *meeting.Meeting
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		m, err = getMeeting(tx, []byte(id))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get meeting %s: %w", id, err)
	}
	return m, nil
}

func getMeeting(tx *bolt.Tx, id []byte) (*meeting.Meeting, error) {
	val := tx.Bucket(bucketMeetings).Get(id)
	if val == nil {
		return nil, ErrNotFound
	}
	return decodeMeeting(val)
}

func (s *BoltStore) GetMeetingBySIPID(ctx context.Context, sipID string) (*meeting.Meeting, error) {
	var m *meeting.Meeting
	err := s.view(ctx, func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketSIPIDs).Get([]byte(sipID))
		if id == nil {
			return ErrNotFound
		}
		var err error
		m, err = getMeeting(tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get meeting by SIP id %s: %w", sipID, err)
	}
	return m, nil
}

func (s *BoltStore) UpdateMeeting(ctx context.Context, id string, update func(m *meeting.Meeting) error) (*meeting.Meeting, error) {
	var after *meeting.Meeting
	err := s.update(ctx, func(tx *bolt.Tx) error {
		before, err := getMeeting(tx, []byte(id))
		if err != nil {
			return err
		}
		after = clone(before)
		if err := update(after); err != nil {
			return err
		}
		if err := checkImmutable(before, after); err != nil {
			return err
		}
		val, err := encodeMeeting(after)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeetings).Put([]byte(id), val)
	})
	if err != nil {
		return nil, fmt.Errorf("update meeting %s: %w", id, err)
	}
	return after, nil
}

func (s *BoltStore) DeleteMeeting(ctx context.Context, id string) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		m, err := getMeeting(tx, []byte(id))
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketSIPIDs).Delete([]byte(m.SIPID)); err != nil {
			return err
		}
		if m.IdempotencyKey != "" {
			if err := tx.Bucket(bucketIdempotency).Delete([]byte(m.IdempotencyKey)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeetings).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("delete meeting %s: %w", id, err)
	}
	return nil
}

func (s *BoltStore) ListMeetings(ctx context.Context) ([]*meeting.Meeting, error) {
	ms := []*meeting.Meeting{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeetings).ForEach(func(_, val []byte) error {
			m, err := decodeMeeting(val)
			if err != nil {
				return err
			}
			ms = append(ms, m)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	sortMeetings(ms)
	return ms, nil
}
