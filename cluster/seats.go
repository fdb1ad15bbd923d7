package cluster

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Seats: a join routed to a node is counted there only once that node has
// joined the participant (SetRoomLoad). Many people open a big meeting in the
// same second; had placement only read the counts, every join routed in that
// second would see the same free places and one node would get them all. So
// PlaceParticipant takes a seat on the node it chooses, atomically in Redis,
// and counts seats with participants: room-seats:<room>:<node> is a sorted set
// of seats scored by when they were taken. The node's next SetRoomLoad that
// counts more participants gives back as many seats (the oldest first), and a
// seat whose join never came (refused, abandoned) lapses after Config.SeatHold.

// DefaultSeatHold is how long a seat waits for its join; a join reaches its
// node and is counted well within it, even on a busy machine.
const DefaultSeatHold = 10 * time.Second

func (c *Cluster) roomSeatsKey(room, node string) string {
	return c.cfg.KeyPrefix + "room-seats:" + room + ":" + node
}

// takeSeat: KEYS room-load, room-seats of the node; ARGV node, per-node limit,
// now (ms), hold (ms), seat id. Drops lapsed seats and takes one if the node's
// participants and seats leave room: 1 if taken, 0 if the node is full.
var takeSeat = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[4]))
local used = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') + redis.call('ZCARD', KEYS[2])
if used >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1`)

// setLoadGiveSeats: KEYS room-load, room-seats of this node; ARGV node, count,
// load TTL (s). Records the node's count of the room's participants and, when
// it grew, gives back as many seats.
var setLoadGiveSeats = redis.NewScript(`
local old = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local n = tonumber(ARGV[2])
if n > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], n)
  redis.call('EXPIRE', KEYS[1], ARGV[3])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
if n > old then redis.call('ZPOPMIN', KEYS[2], n - old) end
return old`)

// seatsTaken counts each node's seats of room still waiting for their join.
func (c *Cluster) seatsTaken(ctx context.Context, room string, nodes []NodeInfo) (map[string]int, error) {
	min := strconv.FormatInt(time.Now().Add(-c.cfg.SeatHold).UnixMilli(), 10)
	pipe := c.cfg.Redis.Pipeline()
	counts := make([]*redis.IntCmd, len(nodes))
	for i, n := range nodes {
		counts[i] = pipe.ZCount(ctx, c.roomSeatsKey(room, n.ID), min, "+inf")
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("cluster: seats of room %q: %w", room, err)
	}
	out := make(map[string]int, len(nodes))
	for i, n := range nodes {
		out[n.ID] = int(counts[i].Val())
	}
	return out, nil
}

// takeSeatOn takes a seat of room on node unless node serves, with the seats
// already taken, perNode participants of it.
func (c *Cluster) takeSeatOn(ctx context.Context, room, node string, perNode int) (bool, error) {
	now := time.Now().UnixMilli()
	id := fmt.Sprintf("%s-%d-%d", c.cfg.Self.ID, now, c.seatSeq.Add(1))
	got, err := takeSeat.Run(ctx, c.cfg.Redis, []string{c.roomLoadKey(room), c.roomSeatsKey(room, node)},
		node, perNode, now, c.cfg.SeatHold.Milliseconds(), id).Int()
	if err != nil {
		return false, fmt.Errorf("cluster: take a seat of room %q on %s: %w", room, node, err)
	}
	return got == 1, nil
}
