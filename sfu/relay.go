package sfu

import (
	"fmt"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// A relay (vocab.ParticipantRelay) is another node carrying the room across
// nodes (package cascade). It publishes tracks on behalf of the participants of
// its node: each owner becomes a relayed participant of this room (a "ghost"),
// shown in rosters like anyone, whose tracks' media arrive on the relay's
// publisher connection. A ghost has no connection of its own: it receives
// nothing and its events go nowhere. A relay declares a ghost as soon as its
// owner joins its node (DeclareRelayed: with or without tracks, and again when
// its name or metadata change), and removes it when its owner leaves
// (RemoveRelayed); a ghost never declared, only published for, leaves with its
// last track. Every ghost leaves with its relay. A relay never receives its
// own ghosts' tracks nor hears of them (joins, changes, mutes, departures), so
// that nothing goes back to the node it came from. An administrator acting on
// a ghost (relayadmin.go) is the exception: the relay is told, so that its
// node acts on the participant itself; and so is a ghost replaced by a newer
// session of its identity (relayidentity.go).

// RelayedOwner is the participant of another node a relay publishes for.
type RelayedOwner struct {
	Identity, Name, Metadata string
	// Kind is the owner's kind on its node (empty: standard); a ghost keeps
	// the kind it was first relayed with.
	Kind vocab.ParticipantKind
}

// ghostPermissions let a relayed participant publish any source: what its
// owner may publish was checked on the owner's node.
var ghostPermissions = vocab.Permissions{
	CanPublish:     true,
	CanPublishData: true,
	Sources: []vocab.Source{
		vocab.SourceCamera, vocab.SourceMicrophone, vocab.SourceScreenShare, vocab.SourceScreenShareAudio,
	},
}

// discardSink swallows a ghost's events: nobody listens on its behalf.
type discardSink struct{}

func (discardSink) Send(Event) {}

// IsRelayed reports whether the participant is a relayed one (a ghost).
func (p *Participant) IsRelayed() bool { return p.relay != nil }

// checkRelayedOwner refuses an owner a relay p may not speak for.
func (p *Participant) checkRelayedOwner(identity, what string) error {
	if p.kind != vocab.ParticipantRelay {
		return fmt.Errorf("%w: only a relay %s", ErrPermissionDenied, what)
	}
	if identity == "" {
		return fmt.Errorf("%w: empty owner identity", ErrInvalidArgument)
	}
	if identity == p.identity {
		return fmt.Errorf("%w: a relay cannot relay itself", ErrInvalidArgument)
	}
	return nil
}

// checkOwnerKind refuses a relayed kind that would loop (relay) or is unknown.
func checkOwnerKind(k vocab.ParticipantKind) error {
	if !k.Valid() || k == vocab.ParticipantRelay {
		return fmt.Errorf("%w: a relayed participant of kind %q", ErrInvalidArgument, k)
	}
	return nil
}

// DeclareRelayed makes owner, a participant of the relay's node, a relayed
// participant of this room now, with or without tracks, until RemoveRelayed
// (or the relay leaves). Declared again, its name and metadata are updated
// and the others get ParticipantUpdated when they changed. Another
// participant of its identity here refuses it: see DeclareRelayedJoined.
func (p *Participant) DeclareRelayed(owner RelayedOwner) error {
	return p.declareRelayed(owner, false)
}

// DeclareRelayedJoined is DeclareRelayed for a new session: owner just joined
// the relay's node, or arrives with the relay. It replaces another participant
// of its identity here, as a join does (relayidentity.go).
func (p *Participant) DeclareRelayedJoined(owner RelayedOwner) error {
	return p.declareRelayed(owner, true)
}

func (p *Participant) declareRelayed(owner RelayedOwner, joined bool) error {
	if err := p.checkRelayedOwner(owner.Identity, "declares a participant of another node"); err != nil {
		return err
	}
	if err := checkOwnerKind(owner.Kind); err != nil {
		return err
	}
	g, err := p.room.ghostFor(p, owner, joined)
	if err != nil {
		return err
	}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return ErrParticipantClosed
	}
	g.declared = true
	changed := g.name != owner.Name || g.metadata != owner.Metadata
	g.name, g.metadata = owner.Name, owner.Metadata
	g.mu.Unlock()
	if changed {
		p.room.broadcast(ParticipantUpdated{Participant: g.Info()}, g)
	}
	return nil
}

// RemoveRelayed makes the relayed participant identity leave the room (its
// owner left the relay's node, for reason: empty is client_left), with its
// tracks.
func (p *Participant) RemoveRelayed(identity string, reason vocab.CloseReason) error {
	if err := p.checkRelayedOwner(identity, "removes a participant of another node"); err != nil {
		return err
	}
	p.mu.Lock()
	g := p.ghosts[identity]
	wasReplaced := p.replaced[identity]
	delete(p.replaced, identity)
	removed := g != nil && p.forgetGhostLocked(g, false)
	p.mu.Unlock()
	if !removed {
		if wasReplaced {
			return nil // its leave, after a newer session replaced it here
		}
		return fmt.Errorf("%w: this relay relays no participant %q", ErrInvalidArgument, identity)
	}
	if reason == "" {
		reason = vocab.ReasonClientLeft
	}
	g.Close(reason)
	return nil
}

// AddRelayedTrack declares a track a relay is about to send on behalf of owner,
// who joins the room as a relayed participant with its first track.
func (p *Participant) AddRelayedTrack(owner RelayedOwner, clientID string, req TrackRequest) (vocab.TrackInfo, error) {
	if err := p.checkRelayedOwner(owner.Identity, "publishes on behalf of another participant"); err != nil {
		return vocab.TrackInfo{}, err
	}
	if err := checkOwnerKind(owner.Kind); err != nil {
		return vocab.TrackInfo{}, err
	}
	g, err := p.room.ghostFor(p, owner, false)
	if err != nil {
		return vocab.TrackInfo{}, err
	}
	info, err := g.AddTrack(clientID, req)
	if err != nil {
		return vocab.TrackInfo{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return vocab.TrackInfo{}, ErrParticipantClosed
	}
	if _, dup := p.relayed[clientID]; dup {
		return vocab.TrackInfo{}, fmt.Errorf("%w: track %q already added", ErrInvalidArgument, clientID)
	}
	p.relayed[clientID] = g
	return info, nil
}

// ghostFor returns the relay's ghost for owner, creating and announcing it.
// Another participant of owner's identity here (of this node or of another
// relay) refuses it, unless joined (owner is a new session): then it is the
// older session and is replaced (relayidentity.go).
func (r *Room) ghostFor(relay *Participant, owner RelayedOwner, joined bool) (*Participant, error) {
	if joined && relay.wasReplaced(owner.Identity) {
		return nil, fmt.Errorf("%w: participant %q of this relay was replaced by a newer session here (its leave is awaited)",
			ErrInvalidArgument, owner.Identity)
	}
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return nil, ErrRoomClosed
	}
	older, ok := r.participants[owner.Identity]
	if ok && older.relay == relay {
		r.mu.Unlock()
		return older, nil
	}
	if ok && (!joined || older.kind == vocab.ParticipantRelay) { // a relay is no session of a participant
		r.mu.Unlock()
		return nil, fmt.Errorf("%w: participant %q is already in the room", ErrInvalidArgument, owner.Identity)
	}
	g := newParticipant(r, JoinParams{
		Identity: owner.Identity, Name: owner.Name, Metadata: owner.Metadata,
		Kind: owner.Kind.OrStandard(), Permissions: ghostPermissions, Sink: discardSink{},
	})
	g.relay = relay
	r.participants[owner.Identity] = g
	r.mu.Unlock()

	relay.mu.Lock()
	closed := relay.closed
	if !closed && !g.forgotten { // (forgotten: replaced already, its relay told)
		relay.ghosts[owner.Identity] = g
	}
	relay.mu.Unlock()
	if closed {
		if older != nil { // it stays: nothing newer came after all
			r.mu.Lock()
			if r.participants[owner.Identity] == g {
				r.participants[owner.Identity] = older
			}
			r.mu.Unlock()
		}
		g.Close(vocab.ReasonClientLeft)
		return nil, ErrParticipantClosed
	}
	if older != nil {
		r.replaceOlder(older) // its leave is told before the new session's join
	}
	if _, ok := r.announce(g); !ok {
		// A yet newer session replaced it meanwhile (its relay was told).
		relay.forgetGhost(g, false)
		return nil, ErrParticipantClosed
	}
	g.log.Info("relayed participant joined", "relay", relay.identity)
	return g, nil
}

// relayedGhost is the ghost whose track the relay's stream clientID carries.
func (p *Participant) relayedGhost(clientID string) *Participant {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.relayed[clientID]
}

// ghostOfTrack is the relay's ghost that publishes trackSID.
func (p *Participant) ghostOfTrack(trackSID string) (*Participant, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, q := range p.ghosts {
		if q.publishedTrack(trackSID) != nil {
			return q, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrTrackNotFound, trackSID)
}

// muteRelayed mutes or unmutes a ghost's track the relay published: its
// owner muted it on the relay's node.
func (p *Participant) muteRelayed(trackSID string, muted bool) error {
	g, err := p.ghostOfTrack(trackSID)
	if err != nil {
		return err
	}
	return g.SetTrackMuted(trackSID, muted)
}

// unpublishRelayed removes a ghost's track the relay published; a ghost
// never declared leaves with its last track.
func (p *Participant) unpublishRelayed(trackSID string) error {
	g, err := p.ghostOfTrack(trackSID)
	if err != nil {
		return err
	}
	if err := g.Unpublish(trackSID); err != nil {
		return err
	}
	g.mu.Lock()
	last := len(g.tracks) == 0 && !g.declared
	g.mu.Unlock()
	if last {
		p.forgetGhost(g, false)
		g.Close(vocab.ReasonClientLeft)
	}
	return nil
}

// receivesFrom reports whether p may receive q's tracks: never its own, nor,
// for a relay, those of its own ghosts.
func (p *Participant) receivesFrom(q *Participant) bool {
	return q.identity != p.identity && q.relay != p
}

// LocalParticipants counts the participants shown to others that are on this
// node: relayed ones (another node's) and hidden ones are not.
func (r *Room) LocalParticipants() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, p := range r.participants {
		if p.relay == nil && p.counted.Load() {
			n++
		}
	}
	return n
}

// SendRelayedData sends a data message a relay received on its node from
// fromIdentity ("" for a message of the server), as if it came from there:
// from the relayed participant when it has one here.
func (p *Participant) SendRelayedData(fromIdentity string, pkt DataPacket) error {
	if p.kind != vocab.ParticipantRelay {
		return fmt.Errorf("%w: only a relay sends data on behalf of another participant", ErrPermissionDenied)
	}
	if pkt.Kind == "" {
		pkt.Kind = vocab.DataReliable
	}
	if pkt.Kind != vocab.DataReliable && pkt.Kind != vocab.DataLossy {
		return fmt.Errorf("%w: data kind %q", ErrInvalidArgument, pkt.Kind)
	}
	p.mu.Lock()
	closed, g := p.closed, p.ghosts[fromIdentity]
	p.mu.Unlock()
	if closed {
		return ErrParticipantClosed
	}
	from := p
	pkt.FromSID, pkt.FromIdentity = "", fromIdentity
	if g != nil {
		from, pkt.FromSID = g, g.sid
	}
	p.room.routeData(pkt, from)
	return nil
}
