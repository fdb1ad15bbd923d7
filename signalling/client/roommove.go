package client

import (
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// moveGrace is how long, after the client's own rejoin, a participant known before
// the room moved may take long to come back before ParticipantLeft says it left.
// Every client of the drained node is told at the same moment and rejoins at once,
// or after a few retries (rejoin backs off up to 1 s; the web app up to 5 s): 15 s
// covers them with room to spare, yet announces a real leave during the move soon.
const moveGrace = 15 * time.Second

// ParticipantMoved says a participant known before the room moved to another node
// (close reason room_moved) is back on the room's new node: the same identity with
// a new SID (Participant.SID; OldSID was its SID before). Its tracks arrive again as
// TrackSubscribed. It stands for the ParticipantLeft and ParticipantJoined the move
// would otherwise show; one that is not back within 15 s of the client's own
// rejoin gets its ParticipantLeft then.
type ParticipantMoved struct {
	Participant vocab.ParticipantInfo
	OldSID      string
}

func (ParticipantMoved) isEvent() {}

// holdOthers keeps the others, by identity, before a rejoin caused by the room's
// move: their new sessions on the new node take them over (claimMovedLocked).
func (c *Client) holdOthers() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.moving == nil {
		c.moving = map[string]vocab.ParticipantInfo{}
	}
	for _, p := range c.others {
		if p.Identity != "" { // nobody could claim it: it leaves now, as before
			c.moving[p.Identity] = p
		}
	}
	c.moveGen++
}

// holdLocked holds p, whose session ended because the room moves, for its
// owner's new session to take over; false if it has no identity to be claimed by.
func (c *Client) holdLocked(p vocab.ParticipantInfo) bool {
	if p.Identity == "" {
		return false
	}
	if c.moving == nil {
		c.moving = map[string]vocab.ParticipantInfo{}
	}
	c.moving[p.Identity] = p
	return true
}

// heldLocked says whether p, a participant of before the move, waits for its owner.
func (c *Client) heldLocked(p vocab.ParticipantInfo) bool {
	held, ok := c.moving[p.Identity]
	return ok && held.SID == p.SID
}

// claimMovedLocked lets p, new on this node, take over the participant of before
// the move with its identity; it returns that participant.
func (c *Client) claimMovedLocked(p vocab.ParticipantInfo) (vocab.ParticipantInfo, bool) {
	old, ok := c.moving[p.Identity]
	if !ok || p.Identity == "" {
		return vocab.ParticipantInfo{}, false
	}
	delete(c.moving, p.Identity)
	return old, true
}

// awaitMoved, once rejoined, says ParticipantLeft for the held participants whose
// owners are not back within moveGrace (unless the room moves again meanwhile:
// the next rejoin waits for them anew).
func (c *Client) awaitMoved() {
	c.mu.Lock()
	gen, n := c.moveGen, len(c.moving)
	c.mu.Unlock()
	if n == 0 {
		return
	}
	c.goTracked(func() {
		t := time.NewTimer(moveGrace)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.ctx.Done():
			return
		}
		c.mu.Lock()
		if c.moveGen != gen {
			c.mu.Unlock()
			return
		}
		gone := c.moving
		c.moving = nil
		c.mu.Unlock()
		for _, p := range gone {
			c.events.push(ParticipantLeft{Participant: p})
		}
	})
}
