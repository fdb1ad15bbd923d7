// Package storetest is the behaviour every store.Store must have, as one test suite
// that each implementation runs against itself, and a helper that starts a private
// redis-server for tests (StartRedis; also useful to other packages that need Redis).
//
//	func TestBolt(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
//			...
//			return s // a fresh, empty store; the suite closes it
//		})
//	}
//
// StartRedisSentinel (a master, a replica and a sentinel, to fail over) and
// StartRedisCluster (three masters joined with redis-cli --cluster create) serve
// the high-availability tests. They all skip the test when redis-server is not
// installed, but fail it under CI=true.
package storetest
