package cluster

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of Config.
const (
	DefaultHeartbeat = 2 * time.Second
	DefaultTTL       = 6 * time.Second
	// DefaultKeyPrefix starts the keys of Config.KeyPrefix "".
	DefaultKeyPrefix = "ensemble:"
)

// ErrNoNode: no live node may take a new room (all draining, or none registered).
var ErrNoNode = errors.New("cluster: no live node can host the room")

// NodeInfo is what a node says of itself, refreshed at each heartbeat.
type NodeInfo struct {
	ID     string `json:"id"`
	Region string `json:"region,omitempty"`
	// URL is where other nodes reach this one's HTTP listener (signalling and API).
	URL          string  `json:"url"`
	Participants int     `json:"participants"`
	Rooms        int     `json:"rooms"`
	CPU          float64 `json:"cpu"`        // share of the node's cores, last second
	EgressBps    int64   `json:"egress_bps"` // forwarded media
	Draining     bool    `json:"draining"`
	// RecentPlacements counts rooms placed on the node since its last heartbeats
	// (not in Rooms yet): without it, rooms created in a burst all go to the node
	// that looked least loaded at its last heartbeat.
	RecentPlacements int       `json:"recent_placements,omitempty"`
	StartedAt        time.Time `json:"started_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Load is the changing part of NodeInfo.
type Load struct {
	Participants, Rooms int
	CPU                 float64
	EgressBps           int64
	Draining            bool
}

// Config configures a node's membership.
type Config struct {
	Redis redis.UniversalClient
	Self  NodeInfo // ID and URL required; Region optional
	// Load and OpenRooms are read at each heartbeat: the node's load, and the rooms
	// it hosts (their placements are renewed).
	Load      func() Load
	OpenRooms func() []string
	Heartbeat time.Duration // default 2 s
	TTL       time.Duration // default 6 s
	// KeyPrefix starts every key (default DefaultKeyPrefix). On Redis Cluster give
	// a hash tag ("{ensemble}:"): Nodes reads all nodes' keys in one MGET, which
	// Redis Cluster runs only on keys of one slot.
	KeyPrefix string
	// Placement chooses the node of a new room (default PolicyLoad).
	Placement Policy
	// SeatHold is how long a seat PlaceParticipant takes waits for its join
	// (default DefaultSeatHold; see seats.go).
	SeatHold time.Duration
	Logger   *slog.Logger
}

// Cluster is this node's membership. Close it to leave.
type Cluster struct {
	cfg  Config
	log  *slog.Logger
	stop context.CancelFunc
	done chan struct{}

	seatSeq atomic.Uint64 // makes this node's seat ids unique (seats.go)

	mu       sync.Mutex
	self     NodeInfo
	draining bool // set by Drain; published whatever Load says
}

// Join registers the node and starts its heartbeat.
func Join(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Redis == nil || cfg.Self.ID == "" || cfg.Self.URL == "" {
		return nil, errors.New("cluster: Redis, node id and URL are required")
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Load == nil {
		cfg.Load = func() Load { return Load{} }
	}
	if cfg.OpenRooms == nil {
		cfg.OpenRooms = func() []string { return nil }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = DefaultKeyPrefix
	}
	if cfg.SeatHold <= 0 {
		cfg.SeatHold = DefaultSeatHold
	}
	policy, err := ParsePolicy(string(cfg.Placement))
	if err != nil {
		return nil, err
	}
	cfg.Placement = policy
	c := &Cluster{cfg: cfg, log: cfg.Logger.With("node", cfg.Self.ID), done: make(chan struct{}), self: cfg.Self}
	c.self.StartedAt = time.Now().UTC()
	if err := c.beat(ctx); err != nil {
		return nil, fmt.Errorf("cluster: register node %s: %w", cfg.Self.ID, err)
	}
	hctx, stop := context.WithCancel(context.Background())
	c.stop = stop
	go c.run(hctx)
	return c, nil
}

// run renews the registration; a failed beat (Redis restarting) is logged and
// retried at the next tick, while the node's live rooms go on.
func (c *Cluster) run(ctx context.Context) {
	defer close(c.done)
	t := time.NewTicker(c.cfg.Heartbeat)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		bctx, cancel := context.WithTimeout(ctx, c.cfg.Heartbeat)
		err := c.beat(bctx)
		cancel()
		switch {
		case err != nil && !failing:
			c.log.Warn("cluster heartbeat failed; retrying", "err", err)
			failing = true
		case err == nil && failing:
			c.log.Info("cluster heartbeat back")
			failing = false
		}
	}
}

func (c *Cluster) nodeKey(id string) string   { return c.cfg.KeyPrefix + "node:" + id }
func (c *Cluster) roomKey(room string) string { return c.cfg.KeyPrefix + "room-node:" + room }
func (c *Cluster) nodesKey() string           { return c.cfg.KeyPrefix + "nodes" }
func (c *Cluster) placedKey(id string) string { return c.cfg.KeyPrefix + "node-placed:" + id }

// renewOrReclaim extends a room's placement if this node holds it, and takes it
// back if nobody does (Redis restarted empty, or the key expired while Redis was
// unreachable): the room is live here, and a join elsewhere must not open a
// second room of the same name. A placement naming another node is left alone.
var renewOrReclaim = redis.NewScript(`
local cur = redis.call("GET", KEYS[1])
if cur == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
if not cur then
  return redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2]) and 1 or 0
end
return 0`)

// deleteIfOwner removes a placement only if it names the given node.
var deleteIfOwner = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)

// beat publishes this node's info and renews its rooms' placements.
func (c *Cluster) beat(ctx context.Context) error {
	l := c.cfg.Load()
	c.mu.Lock()
	c.self.Participants, c.self.Rooms, c.self.CPU, c.self.EgressBps = l.Participants, l.Rooms, l.CPU, l.EgressBps
	c.self.Draining = l.Draining || c.draining
	draining := c.self.Draining
	c.self.UpdatedAt = time.Now().UTC()
	info := c.self
	c.mu.Unlock()
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	pipe := c.cfg.Redis.Pipeline()
	pipe.Set(ctx, c.nodeKey(info.ID), b, c.cfg.TTL)
	pipe.SAdd(ctx, c.nodesKey(), info.ID)
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	if draining {
		return nil // its rooms are being placed elsewhere: renew none
	}
	ttl := c.cfg.TTL.Milliseconds()
	rooms := c.cfg.OpenRooms()
	for _, room := range rooms {
		if err := renewOrReclaim.Run(ctx, c.cfg.Redis, []string{c.roomKey(room)}, info.ID, ttl).Err(); err != nil {
			return err
		}
	}
	// The rooms' admissions last while they are open here (admissions.go).
	if len(rooms) == 0 {
		return nil
	}
	pipe = c.cfg.Redis.Pipeline()
	for _, room := range rooms {
		pipe.PExpire(ctx, c.admittedKey(room), AdmissionTTL)
	}
	_, err = pipe.Exec(ctx)
	return err
}

// Drain marks the node draining in Redis at once (no new placement goes to it) and
// frees the placements of the rooms it hosts, so that the next join of each (its
// participants coming back) places it on another node. The heartbeat goes on,
// saying draining, until Close.
func (c *Cluster) Drain(ctx context.Context) error {
	c.mu.Lock()
	c.draining = true
	c.mu.Unlock()
	if err := c.beat(ctx); err != nil {
		return fmt.Errorf("cluster: publish node %s draining: %w", c.cfg.Self.ID, err)
	}
	rooms := c.cfg.OpenRooms()
	for _, room := range rooms {
		if err := deleteIfOwner.Run(ctx, c.cfg.Redis, []string{c.roomKey(room)}, c.cfg.Self.ID).Err(); err != nil {
			return fmt.Errorf("cluster: free room %q of draining node %s: %w", room, c.cfg.Self.ID, err)
		}
	}
	c.log.Info("node draining: its rooms are free for other nodes", "rooms", len(rooms))
	return nil
}

// Node returns a live node by id.
func (c *Cluster) Node(ctx context.Context, id string) (NodeInfo, bool, error) {
	return c.node(ctx, id)
}

// Self is this node's last published info.
func (c *Cluster) Self() NodeInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.self
}

// Nodes lists the live nodes, by id.
func (c *Cluster) Nodes(ctx context.Context) ([]NodeInfo, error) {
	ids, err := c.cfg.Redis.SMembers(ctx, c.nodesKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("cluster: list nodes: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, 0, 2*len(ids))
	for _, id := range ids {
		keys = append(keys, c.nodeKey(id))
	}
	for _, id := range ids {
		keys = append(keys, c.placedKey(id))
	}
	vals, err := c.cfg.Redis.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("cluster: read nodes: %w", err)
	}
	var out []NodeInfo
	for i, v := range vals[:len(ids)] {
		s, ok := v.(string)
		if !ok {
			// Expired: the node is gone; forget it.
			c.cfg.Redis.SRem(ctx, c.nodesKey(), ids[i])
			continue
		}
		var n NodeInfo
		if err := json.Unmarshal([]byte(s), &n); err != nil {
			c.log.Warn("unreadable node record ignored", "id", ids[i], "err", err)
			continue
		}
		if p, ok := vals[len(ids)+i].(string); ok {
			fmt.Sscan(p, &n.RecentPlacements)
		}
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b NodeInfo) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Host returns the live node hosting room, if any (no placement).
func (c *Cluster) Host(ctx context.Context, room string) (NodeInfo, bool, error) {
	id, err := c.cfg.Redis.Get(ctx, c.roomKey(room)).Result()
	if errors.Is(err, redis.Nil) {
		return NodeInfo{}, false, nil
	}
	if err != nil {
		return NodeInfo{}, false, fmt.Errorf("cluster: room %q: %w", room, err)
	}
	n, ok, err := c.node(ctx, id)
	if err != nil || !ok {
		return NodeInfo{}, false, err
	}
	return n, true, nil
}

func (c *Cluster) node(ctx context.Context, id string) (NodeInfo, bool, error) {
	s, err := c.cfg.Redis.Get(ctx, c.nodeKey(id)).Result()
	if errors.Is(err, redis.Nil) {
		return NodeInfo{}, false, nil
	}
	if err != nil {
		return NodeInfo{}, false, fmt.Errorf("cluster: node %q: %w", id, err)
	}
	var n NodeInfo
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		return NodeInfo{}, false, fmt.Errorf("cluster: node %q: %w", id, err)
	}
	return n, true, nil
}

// Place returns the node hosting room, placing it by the policy (the least-loaded
// live node that is not draining, of this node's region first with PolicyRegion)
// when no live node hosts it. Concurrent placements of one
// room from several nodes agree: the first SET NX wins and the others read it.
func (c *Cluster) Place(ctx context.Context, room string) (NodeInfo, error) {
	for attempt := 0; attempt < 3; attempt++ {
		id, err := c.cfg.Redis.Get(ctx, c.roomKey(room)).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return NodeInfo{}, fmt.Errorf("cluster: room %q: %w", room, err)
		}
		if id != "" {
			n, ok, err := c.node(ctx, id)
			if err != nil {
				return NodeInfo{}, err
			}
			if ok {
				return n, nil
			}
			// Its host is gone: free the room for a new placement.
			if err := deleteIfOwner.Run(ctx, c.cfg.Redis, []string{c.roomKey(room)}, id).Err(); err != nil {
				return NodeInfo{}, fmt.Errorf("cluster: free room %q of dead node %s: %w", room, id, err)
			}
		}
		nodes, err := c.Nodes(ctx)
		if err != nil {
			return NodeInfo{}, err
		}
		best, ok := c.choose(nodes)
		if !ok {
			return NodeInfo{}, ErrNoNode
		}
		set, err := c.cfg.Redis.SetNX(ctx, c.roomKey(room), best.ID, c.cfg.TTL).Result()
		if err != nil {
			return NodeInfo{}, fmt.Errorf("cluster: place room %q: %w", room, err)
		}
		if set {
			pipe := c.cfg.Redis.Pipeline()
			pipe.Incr(ctx, c.placedKey(best.ID))
			pipe.PExpire(ctx, c.placedKey(best.ID), 2*c.cfg.Heartbeat)
			if _, err := pipe.Exec(ctx); err != nil {
				c.log.Warn("recording a placement failed", "room", room, "err", err)
			}
			c.log.Info("room placed", "room", room, "on", best.ID, "region", best.Region, "policy", c.cfg.Placement)
			return best, nil
		}
		// Another node placed it meanwhile: read its choice.
	}
	return NodeInfo{}, fmt.Errorf("cluster: room %q: placement kept changing", room)
}

// leastLoaded picks the node with the fewest participants, then rooms, then id;
// draining nodes take no new room.
func leastLoaded(nodes []NodeInfo) (NodeInfo, bool) {
	var best NodeInfo
	found := false
	for _, n := range nodes {
		if n.Draining {
			continue
		}
		if !found || load(n) < load(best) || (load(n) == load(best) && n.ID < best.ID) {
			best, found = n, true
		}
	}
	return best, found
}

// load weighs a node: its participants, and each room (open or just placed) as
// one more, so that empty rooms spread too.
func load(n NodeInfo) int { return n.Participants + n.Rooms + n.RecentPlacements }

// Close stops the heartbeat and removes the node's record, so that its rooms are
// placed elsewhere at once rather than after the TTL.
func (c *Cluster) Close() error {
	c.stop()
	<-c.done
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return c.cfg.Redis.Del(ctx, c.nodeKey(c.cfg.Self.ID)).Err()
}
