package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// rejoinTime bounds a rejoin: the room's new node must take the participant within it.
const rejoinTime = 30 * time.Second

// errRoomMoved ends a connection whose server closed the session with room_moved.
var errRoomMoved = errors.New("client: the room moved to another node")

// Rejoined says the session goes on as a new participant (new SID, Client.Self)
// on the node that hosts the room now: the old node drained (close reason
// room_moved) or died and forgot the session. The client published its tracks
// again (same LocalTrack values, new SIDs); the others' tracks arrive as new
// TrackSubscribed events, and the RemoteTracks of before end.
type Rejoined struct{}

func (Rejoined) isEvent() {}

// rejoin joins again through the same URL without resume, on new connections,
// and publishes the local tracks again. Refusals that may pass (the room's node
// draining or unreachable while the cluster re-places the room) are retried
// until rejoinTime, a busy node's no sooner than its Retry-After.
func (c *Client) rejoin() (*websocket.Conn, error) {
	c.dropMedia()
	deadline := time.Now().Add(rejoinTime)
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithDeadline(c.ctx, deadline)
		dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
		ws, jr, err := c.dial(dctx, "")
		dcancel()
		cancel()
		if err == nil {
			if err := c.newPeerConnections(c.url, jr); err != nil {
				_ = ws.CloseNow()
				return nil, fmt.Errorf("client: rejoin: %w", err)
			}
			c.applyJoin(jr, true)
			c.attach(ws)
			c.log.Info("session rejoined", "attempt", attempt, "sid", jr.Participant.SID)
			c.events.push(Rejoined{})
			c.goTracked(c.republish)
			return ws, nil
		}
		if c.ctx.Err() != nil {
			return nil, ErrClosed
		}
		if !passing(err) {
			return nil, fmt.Errorf("client: rejoin: %w", err)
		}
		wait := sessionRetryWait(err, backoff)
		if time.Now().Add(wait).After(deadline) {
			return nil, fmt.Errorf("client: rejoin: gave up after %d attempts in %v: %w", attempt, rejoinTime, err)
		}
		c.log.Debug("rejoin attempt failed", "attempt", attempt, "wait", wait.Round(time.Millisecond), "err", err)
		if !sleepCtx(c.ctx, wait) {
			return nil, ErrClosed
		}
		backoff = min(2*backoff, time.Second)
	}
}

// passing tells the refusals worth retrying: no answer at all (the node is gone),
// or a node draining, overloaded, unreachable behind another, or failing.
func passing(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return true
	}
	switch e.Code {
	case protocol.CodeServerDraining, protocol.CodeServerOverloaded, protocol.CodeNodeUnavailable, protocol.CodeInternal:
		return true
	}
	return e.HTTPStatus >= 500 || strings.HasPrefix(e.Code, "http_5")
}

// dropMedia closes the connections of a session the server forgot: the local
// streams are unbound (writes are dropped until the rejoin binds them again), and
// the remote tracks end.
func (c *Client) dropMedia() {
	c.negotiating.Lock()
	defer c.negotiating.Unlock()
	c.mu.Lock()
	pub, sub := c.pub, c.sub
	c.remote = map[string]*RemoteTrack{}
	c.mu.Unlock()
	if err := pub.Close(); err != nil {
		c.log.Debug("close publisher connection", "err", err)
	}
	if err := sub.Close(); err != nil {
		c.log.Debug("close subscriber connection", "err", err)
	}
}

// republish declares every local track again on the new node and negotiates them
// in one offer. Layers turned off by the old node's dynacast are on again until
// the new node says otherwise.
func (c *Client) republish() {
	c.mu.Lock()
	tracks := make([]*LocalTrack, 0, len(c.local))
	for _, t := range c.local {
		if t.opts.backupOf == nil {
			tracks = append(tracks, t)
		}
	}
	c.mu.Unlock()
	// Backups are not declared again: the new node asks for those it needs.
	for _, t := range tracks {
		c.dropBackup(t)
	}
	if len(tracks) == 0 {
		return
	}
	slices.SortFunc(tracks, func(a, b *LocalTrack) int { return compareStrings(a.ClientID, b.ClientID) })
	ctx, cancel := context.WithTimeout(c.ctx, rejoinTime)
	defer cancel()
	for _, t := range tracks {
		for i := range t.layers.disabled {
			t.layers.disabled[i].Store(false)
		}
		if err := c.attachTrack(ctx, t); err != nil {
			c.log.Warn("track not published again after the rejoin", "client_id", t.ClientID, "err", err)
		}
	}
	if err := c.negotiatePublisher(ctx, false); err != nil && c.ctx.Err() == nil {
		c.log.Warn("publishing the tracks again failed", "err", err)
	}
}
