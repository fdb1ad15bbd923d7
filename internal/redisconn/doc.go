// Package redisconn builds the one Redis client a node shares between its store
// and its cluster membership, from one of three deployments:
//
//   - one server (Address);
//   - a master watched by Redis Sentinel (MasterName and SentinelAddresses): the
//     client asks the sentinels for the current master and follows a failover;
//   - Redis Cluster (ClusterAddresses, seed nodes): the client routes each key to
//     its shard.
//
// Exactly one is chosen; a mix is refused with the settings at fault named, so
// that an operator never runs on a deployment other than the one meant.
//
// Redis Cluster runs a Lua script or a MULTI only on keys of one hash slot. The
// store's scripts touch several keys (a meeting and its indexes), and so do
// nothing but single keys in the cluster package; KeyTag gives the prefix that
// puts all of a node's keys in one slot ("{ensemble}"), which Cluster mode needs
// and the other modes leave as it always was ("ensemble").
package redisconn
