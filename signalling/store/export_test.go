package store

import bolt "go.etcd.io/bbolt"

// WriteRawForTest stores raw bytes under bucket/key, to test reading bad values.
func WriteRawForTest(s *BoltStore, bucket, key string, val []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucket)).Put([]byte(key), val)
	})
}
