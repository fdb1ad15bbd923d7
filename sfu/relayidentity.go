package sfu

import "github.com/ensemble-sfu/ensemble/vocab"

// One identity is one participant room-wide, across nodes as on one node: the
// newest session of an identity replaces the older one, which is closed with
// ReasonDuplicateIdentity (its client is told, the others see it leave, then
// the new one join).
//
// The room's host decides, in the order the sessions reach it: every session
// of the room reaches the host, its own participants directly and every other
// node's through that node's relay (package cascade: a star around the host).
// A relay declares a participant that has just joined its node, or that
// arrives with the relay, as a new session (DeclareRelayedJoined); anything
// else it declares (a name change, a track) is an existing session, which
// another participant of its identity here refuses. So on the host:
//
//   - a local join replaces a relayed participant of its identity, as it
//     replaces a local one (Room.Join);
//   - a new session declared by a relay replaces a local participant of its
//     identity, or one relayed by another relay (ghostFor);
//
// and a relayed participant replaced here is closed on its node too: its
// relay is told (RelayedAdmin, RelayedReplaced) before anyone hears of the
// newer session, so that on that node it has left before the newer one is
// declared there. A satellite never declares its relay's participants as new
// sessions (its relay mirrors the host), so it never decides against the
// host: a local join there replaces the host's copy of the identity (the same
// Room.Join), and the host, reached by that join's declaration after, agrees.
// Two joins at once on two nodes are ordered by the host; each one's node
// learns the verdict from it. A session replaced while still joining (its
// connection opening, or its ghost not yet announced) is neither announced
// nor said to leave, and one announced is said to leave only after
// (Room.announce): no roster keeps a session that lost.
//
// A replaced relayed participant is remembered on its relay until the relay
// says it left (RemoveRelayed): a declaration of it as a new session meanwhile
// (the relay declaring its node's participants twice as it starts) is the
// replaced session again and is refused. A resume of a session is no join:
// nothing is declared again.

// replaceOlder closes older, a participant a newer session of its identity
// replaces here; a relayed one is closed on its node too (its relay is told
// first, and forgets it).
//
// A relayed participant leaves its relay's ghosts once, whoever is first:
// its relay removing it (RemoveRelayed, or its last track going) or a newer
// session replacing it (forgetGhost, under the relay's mu). Only a replacement
// that came first tells the relay: one that left its node already is not
// closed there again, and one replaced by two newer sessions at once is told
// once.

// replaceOlder closes older, a participant a newer session of its identity
// replaces here; a relayed one is closed on its node too (its relay is told
// first, and forgets it).
func (r *Room) replaceOlder(older *Participant) {
	if relay := older.relay; relay != nil && relay.forgetGhost(older, true) {
		relay.send(RelayedAdmin{Identity: older.identity, Action: vocab.RelayedReplaced})
		older.log.Info("relayed participant replaced by a newer session of its identity; its node told", "relay", relay.identity)
	}
	older.Close(vocab.ReasonDuplicateIdentity)
}

// forgetGhost takes g out of relay p's ghosts and streams unless it left them
// already, and reports whether it did; replaced marks its identity as
// replaced until p says it left.
func (p *Participant) forgetGhost(g *Participant, replaced bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.forgetGhostLocked(g, replaced)
}

// forgetGhostLocked is forgetGhost with p.mu held.
func (p *Participant) forgetGhostLocked(g *Participant, replaced bool) bool {
	if g.forgotten {
		return false
	}
	g.forgotten = true
	if p.ghosts[g.identity] == g {
		delete(p.ghosts, g.identity)
	}
	for cid, q := range p.relayed {
		if q == g {
			delete(p.relayed, cid)
		}
	}
	if replaced {
		if p.replaced == nil {
			p.replaced = map[string]bool{}
		}
		p.replaced[g.identity] = true
	}
	return true
}

// wasReplaced reports whether relay p's participant identity was replaced
// here by a newer session and p has not said it left since.
func (p *Participant) wasReplaced(identity string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.replaced[identity]
}
