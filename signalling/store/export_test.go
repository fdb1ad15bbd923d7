package store

import bolt "go.etcd.io/bbolt"

// WriteRawForTest stores raw bytes under bucket/key, to test reading bad values.
func WriteRawForTest(s *BoltStore, bucket, key string, val []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucket)).Put([]byte(key), val)
	})
}

// FailAfterMeetingWriteForTest makes CreateMeeting fail after writing the meeting
// and its indexes, before its room, inside the one transaction.
func FailAfterMeetingWriteForTest(s *BoltStore, err error) {
	s.failAfterMeetingWrite = func() error { return err }
}
