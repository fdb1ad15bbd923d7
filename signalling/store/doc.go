// Package store keeps the durable state of the signalling server: room records
// created through the API, meetings, and the idempotency keys and SIP ids that
// index meetings.
//
// There is one interface, Store, with two implementations that pass the same test
// suite (package storetest):
//
//   - BoltStore (OpenBolt): one bbolt file in the data directory, the default for
//     a single node; nothing to install.
//   - RedisStore (OpenRedis, NewRedis): Redis hashes, so every node of a cluster sees
//     the same records. Multi-key operations run as Lua scripts (atomic); updates are
//     compare-and-swap with retries. Redis is one server, a master behind Sentinel
//     or Redis Cluster (redisconn); on Cluster every key carries the hash tag
//     "{ensemble}" so that the scripts' keys share a slot (the suite runs on a real
//     three-master Cluster, and through a real Sentinel failover).
//
// Open chooses between them from the configuration (Redis configured or not).
//
// Values are JSON in a versioned envelope ({"v":1,"meeting":{...}}): a build that
// meets a newer format refuses it (ErrInvalid) rather than dropping fields.
//
// Idempotency keys and SIP ids live as long as their meeting (DeleteMeeting frees
// them); cancelling a meeting is an update and keeps them.
//
// Errors wrap ErrNotFound, ErrConflict, ErrInvalid or ErrClosed; test with errors.Is.
//
// Creating a meeting from an API request:
//
//	m, err := meeting.New(input, apiKey+":"+r.Header.Get("Idempotency-Key"), time.Now())
//	if err != nil { ... } // *meeting.FieldError -> 422
//	m, created, err := st.CreateMeeting(ctx, m, store.Room{}) // created=false: a replay, same meeting
//	view := meetingCfg.View(m)
//
// Updating or cancelling (the update function may run more than once):
//
//	m, err := st.UpdateMeeting(ctx, id, func(m *meeting.Meeting) error { return m.Apply(patch, time.Now()) })
//	m, err := st.UpdateMeeting(ctx, id, func(m *meeting.Meeting) error { return m.Cancel(time.Now()) })
package store
