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

	clus   atomic.Pointer[cluster.Cluster]
	engine atomic.Pointer[sfu.Engine]

	mu      sync.Mutex
	closed  bool
	bridges map[string]*bridgeRun // by room
	wg      sync.WaitGroup
}

type bridgeRun struct{ stop context.CancelFunc }

func newCascader(perNode int, key, secret string, log *slog.Logger) *cascader {
	return &cascader{perNode: perNode, key: key, secret: secret, counters: cascade.NewCounters(),
		log: log, bridges: map[string]*bridgeRun{}}
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
			c.roomChanged(room.Name)
		}
	}
	return h
}

// roomChanged publishes this node's count of room's participants (before the
// join is answered, so that the next join's routing sees it) and starts or
// stops the room's bridge.
func (c *cascader) roomChanged(room string) {
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
		c.stopBridge(room)
		return
	}
	host, ok, err := clus.Host(ctx, room)
	if err != nil || !ok || host.ID == clus.Self().ID {
		return // hosted here (or nowhere yet): nothing to bridge
	}
	c.startBridge(room, host)
}

// startBridge runs a bridge of room to host unless one runs; it ends when
// stopped, when a leg fails (the next change starts a new one), or at close.
func (c *cascader) startBridge(room string, host cluster.NodeInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.bridges[room] != nil {
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	run := &bridgeRun{stop: stop}
	c.bridges[room] = run
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer func() {
			stop()
			c.mu.Lock()
			if c.bridges[room] == run {
				delete(c.bridges, room)
			}
			c.mu.Unlock()
		}()
		token, err := auth.Sign(c.key, c.secret, auth.TokenParams{
			Identity: "relay-" + c.clus.Load().Self().ID, Room: room, Kind: vocab.ParticipantRelay, TTL: relayTokenTTL,
			Grants: auth.Grants{Join: true, Publish: true, Subscribe: true, PublishData: true, RoomAdmin: true},
		})
		if err != nil {
			c.log.Error("relay token", "room", room, "err", err)
			return
		}
		b, err := cascade.Start(ctx, cascade.Config{
			Room: room, Peer: host.ID, FarURL: host.URL, NearURL: c.nearURL, Token: token,
			Counters: c.counters, Logger: c.log,
		})
		if err != nil {
			c.log.Warn("bridging the room to its host failed", "room", room, "host", host.ID, "err", err)
			return
		}
		select {
		case <-ctx.Done():
		case <-b.Done():
		}
		_ = b.Close()
	}()
}

func (c *cascader) stopBridge(room string) {
	c.mu.Lock()
	run := c.bridges[room]
	c.mu.Unlock()
	if run != nil {
		run.stop()
	}
}

// close stops every bridge and waits for them.
func (c *cascader) close() {
	c.mu.Lock()
	c.closed = true
	for _, run := range c.bridges {
		run.stop()
	}
	c.mu.Unlock()
	c.wg.Wait()
}
