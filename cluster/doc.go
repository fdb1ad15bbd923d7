// Package cluster lets several Ensemble nodes share rooms through Redis: each node
// registers itself with its load under a key that expires unless its heartbeat
// renews it, a new room is placed atomically on the least-loaded live node, and
// the node hosting a room keeps its placement alive while the room is open.
//
// The client is any redis.UniversalClient: one server, a master behind Redis
// Sentinel (the client follows a failover; the heartbeat fails meanwhile and
// retries, the live rooms go on), or Redis Cluster. Every command here touches one
// key, except Nodes' MGET over all node keys: on Redis Cluster give a hash-tagged
// Config.KeyPrefix ("{ensemble}:") so that they share a slot.
//
// Keys (prefix Config.KeyPrefix, default "ensemble:"):
//
//	node:<id>        the node's NodeInfo as JSON, expiring after TTL
//	nodes            the set of node ids ever registered (pruned of expired ones)
//	room-node:<room> the id of the node hosting the room, expiring after TTL
//	                 unless the host renews it
//	room-admitted:<room> the identities a room admin let in through the lobby,
//	                 expiring AdmissionTTL after the room was last open
//
// A node that dies stops renewing: within TTL its rooms have no host, and the next
// join (a participant reconnecting) places the room again. Placement is one SET NX:
// two nodes never host the same room.
//
// Placement (Config.Placement): PolicyLoad puts a new room on the least-loaded
// live node (participants + rooms + rooms just placed); PolicyRegion on the
// least-loaded node of the placing node's region, falling back to the
// least-loaded node anywhere when that region has none that may take a room. The
// placing node is the one the room's first participant reached (the entry point
// of its join): a regional load balancer or geo-DNS sends people to a node near
// them, so the entry node's region is the participant's, with nothing to trust
// in the token. Collector exports the live nodes (region and load) for /metrics.
//
// Draining (Drain) publishes the node as draining and frees its rooms' placements:
// their participants, told to join again, land on other nodes. A host whose
// placement vanished (Redis restarted without its data) takes it back at its next
// heartbeat; a placement naming another node is never taken.
package cluster
