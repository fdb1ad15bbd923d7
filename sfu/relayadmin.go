package sfu

import "github.com/ensemble-sfu/ensemble/vocab"

// An administrator acting on a relayed participant (a ghost) acts on a copy:
// the participant itself is served by its relay's node, which keeps it
// connected and publishing whatever the copy here becomes. So the admin
// paths below tell the relay (RelayedAdmin), whose node does the same to the
// participant itself; the result comes back through the relay like any change
// of the participant (its leave with reason removed, its mute, its new name),
// and reaches every node. The relay is connected whenever the ghost exists
// (a ghost leaves with its relay), and it alone knows which of its node's
// tracks each track it published here stands for.

// RelayedAdmin tells a relay that an administrator acted here on one of its
// relayed participants: its node must do the same to the participant itself.
type RelayedAdmin struct {
	Identity string
	Action   vocab.RelayedAction
	// TrackSID and Muted, for RelayedMute: the track here (one the relay
	// published) and its new state.
	TrackSID string
	Muted    bool
	// For RelayedUpdate: the new name and metadata (nil keeps them) and the
	// change of permissions (nil: none).
	Name, Metadata *string
	Permissions    *vocab.PermissionsChange
}

func (RelayedAdmin) isEvent() {}

// sendToSource sends ev to where p's media come from: p's own connection, or
// for a participant of another node the relay that publishes its tracks here,
// whose node acts on it at the source (it stops layers crossing to this node,
// package cascade).
func (p *Participant) sendToSource(ev Event) {
	if p.relay != nil {
		p.relay.send(ev)
		return
	}
	p.send(ev)
}

// Remove is an administrator removing p: it leaves with reason removed. A
// relayed participant is removed by its own node (its relay is told), and
// leaves here when its relay says it left there, for the same reason.
func (p *Participant) Remove() {
	if p.relay != nil {
		p.relay.send(RelayedAdmin{Identity: p.identity, Action: vocab.RelayedRemove})
		p.log.Info("removal sent to the relayed participant's node", "relay", p.relay.identity)
		return
	}
	p.Close(vocab.ReasonRemoved)
}

// MuteTrack is an administrator muting or unmuting one of p's tracks
// (SetTrackMuted); p is told too (TrackMuted with its own SID), so that its
// client shows the track as the others see it. For a relayed participant the
// relay is told as well, whose node mutes the track at its source: its media
// stop on every node, not only from here on.
func (p *Participant) MuteTrack(trackSID string, muted bool) error {
	if err := p.SetTrackMuted(trackSID, muted); err != nil {
		return err
	}
	p.send(TrackMuted{ParticipantSID: p.sid, TrackSID: trackSID, Muted: muted})
	if p.relay != nil {
		p.relay.send(RelayedAdmin{Identity: p.identity, Action: vocab.RelayedMute, TrackSID: trackSID, Muted: muted})
	}
	return nil
}

// SetInfo is an administrator changing p's name and/or metadata (nil keeps
// the value), whatever p's own CanUpdateMetadata; the others get
// ParticipantUpdated, and p too (its own SID), since it did not ask. For a
// relayed participant the relay is told as well, whose node changes the
// participant itself (else its next change, relayed here, would undo this
// one).
func (p *Participant) SetInfo(name, metadata *string) error {
	if err := p.updateInfo(name, metadata, true); err != nil {
		return err
	}
	p.send(ParticipantUpdated{Participant: p.Info()})
	if p.relay != nil {
		p.relay.send(RelayedAdmin{Identity: p.identity, Action: vocab.RelayedUpdate, Name: name, Metadata: metadata})
	}
	return nil
}

// ChangePermissions is an administrator changing some of p's permissions.
// A relayed participant's permissions are those its own node gives it (here
// it has ghostPermissions, whatever they are there): its relay is told, and
// its node changes them.
func (p *Participant) ChangePermissions(c vocab.PermissionsChange) {
	if p.relay != nil {
		p.relay.send(RelayedAdmin{Identity: p.identity, Action: vocab.RelayedUpdate, Permissions: &c})
		return
	}
	p.mu.Lock()
	p.perms = clonePermissions(kindPermissions(p.kind, c.Apply(p.perms)))
	p.counted.Store(countsTowardCapacity(p.perms))
	p.mu.Unlock()
}
