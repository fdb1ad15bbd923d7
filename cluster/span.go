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
// new node by the placement policy. A join takes a seat on the node chosen
// (seats.go), so that joins in the same instant do not all see the same room.

// ErrClusterFull: every live node serves as many participants of the room as it may.
var ErrClusterFull = errors.New("cluster: every node serves as many participants of the room as it may")

// roomLoadTTL drops the counts of a room nobody touched for long (its nodes died).
const roomLoadTTL = time.Hour

func (c *Cluster) roomLoadKey(room string) string { return c.cfg.KeyPrefix + "room-load:" + room }

// SetRoomLoad records how many participants of room this node serves (0
// removes this node from the room's counts); when the count grew, the seats
// their joins took are given back (seats.go).
func (c *Cluster) SetRoomLoad(ctx context.Context, room string, n int) error {
	self := c.cfg.Self.ID
	keys := []string{c.roomLoadKey(room), c.roomSeatsKey(room, self)}
	if err := setLoadGiveSeats.Run(ctx, c.cfg.Redis, keys, self, n, int(roomLoadTTL.Seconds())).Err(); err != nil {
		return fmt.Errorf("cluster: record the load of room %q: %w", room, err)
	}
	return nil
}

// placeTries bounds how often a join chooses again after the node it chose
// filled up meanwhile (another join took its last seat).
const placeTries = 5

// PlaceParticipant returns the node that serves a new participant of room when
// a node serves at most perNode of a room's participants (0: always the host,
// as Place), and takes a seat there for the join: concurrent joins never place
// more than perNode on one node.
func (c *Cluster) PlaceParticipant(ctx context.Context, room string, perNode int) (NodeInfo, error) {
	host, err := c.Place(ctx, room)
	if err != nil || perNode <= 0 {
		return host, err
	}
	if ok, err := c.takeSeatOn(ctx, room, host.ID, perNode); err != nil || ok {
		return host, err
	}
	for range placeTries {
		n, err := c.chooseOtherNode(ctx, room, host, perNode)
		if err != nil {
			return NodeInfo{}, err
		}
		ok, err := c.takeSeatOn(ctx, room, n.ID, perNode)
		if err != nil {
			return NodeInfo{}, err
		}
		if ok {
			return n, nil
		}
	}
	return NodeInfo{}, fmt.Errorf("%w: room %q, %d per node, still full after %d tries", ErrClusterFull, room, perNode, placeTries)
}

// chooseOtherNode chooses the node, other than the host, that a participant of
// room goes to: a node already serving the room with room left, else the node
// the placement policy prefers among those with room left.
func (c *Cluster) chooseOtherNode(ctx context.Context, room string, host NodeInfo, perNode int) (NodeInfo, error) {
	loads, err := c.cfg.Redis.HGetAll(ctx, c.roomLoadKey(room)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return NodeInfo{}, fmt.Errorf("cluster: loads of room %q: %w", room, err)
	}
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return NodeInfo{}, err
	}
	seats, err := c.seatsTaken(ctx, room, nodes)
	if err != nil {
		return NodeInfo{}, err
	}
	used := func(id string) int {
		n, _ := strconv.Atoi(loads[id])
		return n + seats[id]
	}
	var fresh []NodeInfo
	for _, n := range nodes {
		if n.ID == host.ID || n.Draining || used(n.ID) >= perNode {
			continue
		}
		if _, serving := loads[n.ID]; serving || seats[n.ID] > 0 {
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
