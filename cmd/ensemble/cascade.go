package main

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ensemble-sfu/ensemble/cascade"
	"github.com/ensemble-sfu/ensemble/cluster"
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// relayTokenTTL bounds a bridge's token; a bridge outliving it rejoins with a new one.
const relayTokenTTL = 24 * time.Hour

// bridgeRetry is how long a node waits to bridge a room again after its bridge
// ended by itself (the host died or did not answer) while the room still has
// participants here. Until the dead host's record expires (cluster TTL, 6 s)
// the retries find it again and fail; then the room is placed anew, here or on
// the node the host's participants went to, and the bridge follows it.
const bridgeRetry = time.Second

// cascader spans rooms over nodes (package cascade): it keeps this node's count
// of each room's participants in Redis, which routeToHost reads to choose the
// node serving a join, and runs a Bridge to the room's host for each room this
// node serves without hosting it.
type cascader struct {
	perNode     int
	key, secret string // signs the relay tokens; every node shares the keys
	nearURL     string // this node, for in-process clients
	counters    *cascade.Counters
	log         *slog.Logger

	clus   *joinedCluster
	engine atomic.Pointer[sfu.Engine]

	mu      sync.Mutex
	closed  bool
	bridges map[string]*bridgeRun // by room
	wg      sync.WaitGroup
	done    chan struct{} // closed by close: retries stop waiting
}

type bridgeRun struct {
	stop context.CancelFunc
	// left are the participants whose leave stopped the bridge (this node
	// has none of the room left): told to the host before it closes, since
	// their leave may not have crossed yet. Under cascader.mu.
	left []cascade.Departure
}

func newCascader(perNode int, key, secret string, joined *joinedCluster, log *slog.Logger) *cascader {
	return &cascader{perNode: perNode, key: key, secret: secret, clus: joined, counters: cascade.NewCounters(),
		log: log, bridges: map[string]*bridgeRun{}, done: make(chan struct{})}
}

// hooks adds the cascader to the engine's hooks: a participant of this node
// joining or leaving changes the room's count and may start or stop its bridge.
func (c *cascader) hooks(h sfu.Hooks) sfu.Hooks {
	joined, left := h.ParticipantJoined, h.ParticipantLeft
	h.ParticipantJoined = func(room vocab.RoomInfo, p vocab.ParticipantInfo) {
		if joined != nil {
			joined(room, p)
		}
		if !p.Hidden {
			c.roomChanged(room.Name)
		}
	}
	h.ParticipantLeft = func(room vocab.RoomInfo, p vocab.ParticipantInfo, reason vocab.CloseReason) {
		if left != nil {
			left(room, p, reason)
		}
		if !p.Hidden {
			c.reconcile(room.Name, false, &cascade.Departure{Identity: p.Identity, Reason: reason})
		}
	}
	return h
}

// roomChanged publishes this node's count of room's participants (before the
// join is answered, so that the next join's routing sees it) and starts or
// stops the room's bridge.
func (c *cascader) roomChanged(room string) { c.reconcile(room, false, nil) }

// reconcile is roomChanged; with place, a room hosted nowhere (its host died)
// is placed again rather than left unbridged: this node still serves some of
// its participants, who must meet the others again wherever they rejoin.
// left, when a participant's leave is the change, is told to the host if the
// bridge stops for it.
func (c *cascader) reconcile(room string, place bool, left *cascade.Departure) {
	clus, engine := c.clus.Load(), c.engine.Load()
	if clus == nil || engine == nil || c.perNode <= 0 {
		return
	}
	n := 0
	if r, ok := engine.Room(room); ok {
		n = r.LocalParticipants()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := clus.SetRoomLoad(ctx, room, n); err != nil {
		c.log.Warn("recording the room's load failed", "room", room, "err", err)
	}
	if n == 0 {
		c.stopBridge(room, left)
		return
	}
	host, ok, err := clus.Host(ctx, room)
	if err == nil && !ok && place {
		host, err = clus.Place(ctx, room)
		ok = err == nil
	}
	if err != nil {
		c.log.Warn("finding the room's host failed", "room", room, "err", err)
		if place {
			c.retryBridge(room) // Redis may be failing over
		}
		return
	}
	if !ok || host.ID == clus.Self().ID {
		return // hosted here (or nowhere yet): nothing to bridge
	}
	c.startBridge(room, host)
}

// retryBridge reconciles room again after bridgeRetry, unless the cascader
// closes first.
func (c *cascader) retryBridge(room string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.wg.Go(func() {
		t := time.NewTimer(bridgeRetry)
		defer t.Stop()
		select {
		case <-c.done:
		case <-t.C:
			c.reconcile(room, true, nil)
		}
	})
}

// startBridge runs a bridge of room to host unless one runs; it ends when
// stopped, at close, or when a leg fails, and then the room is bridged again
// after bridgeRetry (to a new host if the old one died).
func (c *cascader) startBridge(room string, host cluster.NodeInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.bridges[room] != nil {
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	run := &bridgeRun{stop: stop}
	c.bridges[room] = run
	c.wg.Go(func() {
		ended := c.runBridge(ctx, room, host, run)
		stop()
		c.mu.Lock()
		if c.bridges[room] == run {
			delete(c.bridges, room)
		}
		c.mu.Unlock()
		if ended {
			c.retryBridge(room)
		}
	})
}

// runBridge runs a bridge of room to host until ctx ends (false) or the
// bridge ends by itself or cannot start (true). Stopped because this node has
// none of the room left, it tells the host of run's last departures first.
func (c *cascader) runBridge(ctx context.Context, room string, host cluster.NodeInfo, run *bridgeRun) bool {
	token, err := auth.Sign(c.key, c.secret, auth.TokenParams{
		Identity: "relay-" + c.clus.Load().Self().ID, Room: room, Kind: vocab.ParticipantRelay, TTL: relayTokenTTL,
		Grants: auth.Grants{Join: true, Publish: true, Subscribe: true, PublishData: true, RoomAdmin: true},
	})
	if err != nil {
		c.log.Error("relay token", "room", room, "err", err)
		return false
	}
	b, err := cascade.Start(ctx, cascade.Config{
		Room: room, Peer: host.ID, FarURL: host.URL, NearURL: c.nearURL, Token: token,
		Counters: c.counters, Logger: c.log, Owners: roomOwners{engine: c.engine.Load(), room: room},
	})
	if err != nil {
		c.log.Warn("bridging the room to its host failed", "room", room, "host", host.ID, "err", err)
		return ctx.Err() == nil
	}
	defer b.Close()
	// The far leg of a bridge to a dead host goes on resuming for a while, as
	// a client does through a short outage: the bridge also ends as soon as
	// Redis says the room's host is another node, or none (its record
	// expired), so that the room is bridged to where it lives now.
	check := time.NewTicker(bridgeRetry)
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			c.mu.Lock()
			left := run.left
			c.mu.Unlock()
			farewell, cancel := context.WithTimeout(context.Background(), bridgeRetry)
			b.Farewell(farewell, left)
			cancel()
			return false
		case <-b.Done():
			c.log.Info("the bridge to the room's host ended; bridging again", "room", room, "host", host.ID)
			return ctx.Err() == nil
		case <-check.C:
			if c.hostMoved(ctx, room, host) {
				c.log.Info("the room's host is gone or changed; bridging again", "room", room, "host", host.ID)
				return true
			}
		}
	}
}

// hostMoved reports whether Redis says room is no longer hosted on host (a
// Redis error says nothing: the bridge goes on).
func (c *cascader) hostMoved(ctx context.Context, room string, host cluster.NodeInfo) bool {
	ctx, cancel := context.WithTimeout(ctx, bridgeRetry)
	defer cancel()
	cur, ok, err := c.clus.Load().Host(ctx, room)
	if err != nil {
		return false
	}
	return !ok || cur.ID != host.ID
}

// stopBridge stops room's bridge; left (when not nil), whose leave is why,
// is removed from the host first, for its reason.
func (c *cascader) stopBridge(room string, left *cascade.Departure) {
	c.mu.Lock()
	run := c.bridges[room]
	if run != nil && left != nil {
		run.left = append(run.left, *left)
	}
	c.mu.Unlock()
	if run != nil {
		run.stop()
	}
}

// close stops every bridge and waits for them.
func (c *cascader) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.done)
	}
	for _, run := range c.bridges {
		run.stop()
	}
	c.mu.Unlock()
	c.wg.Wait()
}
