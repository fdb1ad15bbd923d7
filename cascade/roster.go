package cascade

import (
	"context"
	"sync"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// The roster crosses the bridge as well as the media: each participant of one
// leg's room is declared in the other's as soon as it is there, tracks or not
// (Client.DeclareRelayed), declared again when its name or metadata change,
// and removed when it leaves (Client.RemoveRelayed); a mute of one of its
// tracks mutes the track the bridge published for it. A relay hears nothing of
// the participants it declared itself (the sfu keeps a relay's own relayed
// participants from it, like their tracks), so nothing comes back the way it
// went.

// declareAll declares on to everyone already in from's room, as they join
// (they arrive with the bridge). Called before the pump reads from's events:
// a join also queued as an event is declared twice, which changes nothing.
func (b *Bridge) declareAll(from, to *client.Client) {
	for _, o := range from.Others() {
		b.declare(to, o, true)
	}
}

// declare puts o, of the other leg's room, in to's room, or updates it there.
// A join of this node's participant is declared to the origin as a new
// session (joined): there it replaces an older session of its identity,
// wherever that one is (one identity is one participant room-wide; the origin
// decides, see sfu relayidentity.go). Nothing is declared to this node as a
// new session: the near leg mirrors the origin, which has decided already, or
// will once this node's own join of that identity reaches it.
func (b *Bridge) declare(to *client.Client, o vocab.ParticipantInfo, join bool) {
	if !relayable(o) {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, publishTimeout)
	defer cancel()
	var err error
	if join && to == b.far {
		err = to.DeclareRelayedJoined(ctx, *relayedOwner(o))
	} else {
		err = to.DeclareRelayed(ctx, *relayedOwner(o))
	}
	if err == nil || b.ctx.Err() != nil {
		return
	}
	if to == b.near {
		// An identity of this node's own, whose newer session here the
		// origin has yet to hear of (it then replaces the origin's).
		b.log.Info("a participant of the origin is not relayed: this node has a newer session of its identity",
			"participant", o.Identity, "err", err)
		return
	}
	b.log.Warn("relaying a participant failed", "participant", o.Identity, "err", err)
}

// remove takes o out of to's room: it left the other leg's, for reason.
func (b *Bridge) remove(to *client.Client, o vocab.ParticipantInfo, reason vocab.CloseReason) {
	if !relayable(o) {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, publishTimeout)
	defer cancel()
	// Refused when the participant was never declared there (it joined and
	// left between the bridge's join and its first read): nothing to undo.
	if err := to.RemoveRelayed(ctx, o.Identity, reason); err != nil && b.ctx.Err() == nil {
		b.log.Debug("removing a relayed participant", "participant", o.Identity, "err", err)
	}
}

// relayedMute follows the mute of one relayed track, by its SID on the leg it
// comes from: the state its source was last seen in, and the track the bridge
// published for it on the other leg, once there.
type relayedMute struct {
	// mu is held while the other leg is told, so that of two changes in a
	// row the last one told is the last one seen.
	mu    sync.Mutex
	muted bool
	lt    *client.LocalTrack
}

// muteOf returns the entry of the track sid, made with muted if new.
func (b *Bridge) muteOf(sid string, muted bool) *relayedMute {
	b.mutesMu.Lock()
	defer b.mutesMu.Unlock()
	m := b.mutes[sid]
	if m == nil {
		m = &relayedMute{muted: muted}
		b.mutes[sid] = m
	}
	return m
}

// publishMuted is whether to publish the relayed track sid muted: as last
// seen, or as its subscription says (seen) when no TrackMuted came yet.
func (b *Bridge) publishMuted(sid string, seen bool) bool {
	m := b.muteOf(sid, seen)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.muted
}

// sourceMuted follows a TrackMuted of the leg a relayed track comes from.
func (b *Bridge) sourceMuted(sid string, muted bool) {
	m := b.muteOf(sid, muted)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.muted = muted
	b.applyMute(sid, m)
}

// published attaches lt, the track published for sid on the other leg, and
// tells it a change seen while it was being published.
func (b *Bridge) published(sid string, lt *client.LocalTrack) {
	m := b.muteOf(sid, lt.Muted())
	b.mutesMu.Lock()
	b.sources[lt.SID()] = sid
	b.mutesMu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lt = lt
	b.applyMute(sid, m)
}

// applyMute mutes or unmutes m's published track as its source is; m.mu held.
func (b *Bridge) applyMute(sid string, m *relayedMute) {
	if m.lt == nil || m.lt.Muted() == m.muted {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, publishTimeout)
	defer cancel()
	if err := m.lt.SetMuted(ctx, m.muted); err != nil && b.ctx.Err() == nil {
		b.log.Warn("relaying a mute failed", "track", sid, "as", m.lt.SID(), "muted", m.muted, "err", err)
	}
}

// unrelayed forgets the track sid, whose relay ended or which was
// unpublished. A relay still publishing it makes its entry again (published)
// and forgets it when it ends.
func (b *Bridge) unrelayed(sid string) {
	b.mutesMu.Lock()
	defer b.mutesMu.Unlock()
	delete(b.mutes, sid)
	for as, src := range b.sources {
		if src == sid {
			delete(b.sources, as)
		}
	}
}

// relayable reports whether a participant crosses the bridge: not one nobody
// sees (defensive for a relay, which is hidden).
func relayable(o vocab.ParticipantInfo) bool {
	return !o.Hidden && o.Kind != vocab.ParticipantRelay
}

// relayedOwner is how a participant of one leg is named on the other, for its
// tracks (add_track's owner) and itself (relay_participant): its identity,
// name, metadata and kind (a SIP caller stays one on the other nodes).
func relayedOwner(o vocab.ParticipantInfo) *protocol.RelayedOwner {
	return &protocol.RelayedOwner{Identity: o.Identity, Name: o.Name, Metadata: o.Metadata, Kind: o.Kind.OrStandard()}
}
