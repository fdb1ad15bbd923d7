package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

func (s *BoltStore) CreateRecording(ctx context.Context, r Recording) error {
	if err := checkRecording(r); err != nil {
		return err
	}
	val, err := encodeRecording(r)
	if err != nil {
		return fmt.Errorf("create recording %s: %w", r.ID, err)
	}
	err = s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecordings)
		if b.Get([]byte(r.ID)) != nil {
			return fmt.Errorf("%w: recording id %s is taken", ErrConflict, r.ID)
		}
		return b.Put([]byte(r.ID), val)
	})
	if err != nil {
		return fmt.Errorf("create recording %s: %w", r.ID, err)
	}
	return nil
}

func (s *BoltStore) GetRecording(ctx context.Context, id string) (Recording, error) {
	var r Recording
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		r, err = getRecording(tx, id)
		return err
	})
	if err != nil {
		return Recording{}, fmt.Errorf("get recording %s: %w", id, err)
	}
	return r, nil
}

func getRecording(tx *bolt.Tx, id string) (Recording, error) {
	val := tx.Bucket(bucketRecordings).Get([]byte(id))
	if val == nil {
		return Recording{}, ErrNotFound
	}
	return decodeRecording(val)
}

func (s *BoltStore) UpdateRecording(ctx context.Context, id string, update func(r *Recording) error) (Recording, error) {
	var after Recording
	err := s.update(ctx, func(tx *bolt.Tx) error {
		before, err := getRecording(tx, id)
		if err != nil {
			return err
		}
		after = cloneRecording(before)
		if err := update(&after); err != nil {
			return err
		}
		if err := checkRecordingImmutable(before, after); err != nil {
			return err
		}
		val, err := encodeRecording(after)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketRecordings).Put([]byte(id), val)
	})
	if err != nil {
		return Recording{}, fmt.Errorf("update recording %s: %w", id, err)
	}
	return after, nil
}

func (s *BoltStore) ListRecordings(ctx context.Context, room string) ([]Recording, error) {
	recs := []Recording{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecordings).ForEach(func(_, val []byte) error {
			r, err := decodeRecording(val)
			if err != nil {
				return err
			}
			recs = append(recs, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list recordings: %w", err)
	}
	return keepRoom(recs, room), nil
}
