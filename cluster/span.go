package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A room spans nodes (package cascade) once its host serves as many of its
// participants as a node may: each node serving participants of the room keeps
// its count in room-load:<room> (a hash, node id to count), and a join goes to
// the host, else to a node already serving the room with room left, else to a
// new node by the placement policy.

// ErrClusterFull: every live node serves as many participants of the room as it may.
var ErrClusterFull = errors.New("cluster: every node serves as many participants of the room as it may")

// roomLoadTTL drops the counts of a room nobody touched for long (its nodes died).
const roomLoadTTL = time.Hour

func (c *Cluster) roomLoadKey(room string) string { return c.cfg.KeyPrefix + "room-load:" + room }

// SetRoomLoad records how many participants of room this node serves (0
// removes this node from the room's counts).
func (c *Cluster) SetRoomLoad(ctx context.Context, room string, n int) error {
	key := c.roomLoadKey(room)
	pipe := c.cfg.Redis.Pipeline()
	if n > 0 {
		pipe.HSet(ctx, key, c.cfg.Self.ID, n)
		pipe.Expire(ctx, key, roomLoadTTL)
	} else {
		pipe.HDel(ctx, key, c.cfg.Self.ID)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("cluster: record the load of room %q: %w", room, err)
	}
	return nil
}

// PlaceParticipant returns the node that serves a new participant of room when
// a node serves at most perNode of a room's participants (0: always the host,
// as Place).
func (c *Cluster) PlaceParticipant(ctx context.Context, room string, perNode int) (NodeInfo, error) {
	host, err := c.Place(ctx, room)
	if err != nil || perNode <= 0 {
		return host, err
	}
	loads, err := c.cfg.Redis.HGetAll(ctx, c.roomLoadKey(room)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return NodeInfo{}, fmt.Errorf("cluster: loads of room %q: %w", room, err)
	}
	count := func(id string) int {
		n, _ := strconv.Atoi(loads[id])
		return n
	}
	if count(host.ID) < perNode {
		return host, nil
	}
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return NodeInfo{}, err
	}
	var fresh []NodeInfo
	for _, n := range nodes {
		if n.ID == host.ID || n.Draining || count(n.ID) >= perNode {
			continue
		}
		if _, serving := loads[n.ID]; serving {
			return n, nil // fill the nodes already in the room first
		}
		fresh = append(fresh, n)
	}
	if n, ok := c.choose(fresh); ok {
		c.log.Info("room spans one more node", "room", room, "on", n.ID, "host", host.ID)
		return n, nil
	}
	return NodeInfo{}, fmt.Errorf("%w: room %q, %d per node", ErrClusterFull, room, perNode)
}
