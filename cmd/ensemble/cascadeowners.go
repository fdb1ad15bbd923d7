package main

import (
	"fmt"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// roomOwners acts on this node's participants of one bridged room for an
// administrator of the room's host (cascade.Owners): the API there acted on
// their relayed copies.
type roomOwners struct {
	engine *sfu.Engine
	room   string
}

// participant is identity, a participant this node serves. A relayed one is
// refused: acting on it would go back to its relay, towards the host again.
func (o roomOwners) participant(identity string) (*sfu.Participant, error) {
	if r, ok := o.engine.Room(o.room); ok {
		if p, ok := r.Participant(identity); ok && !p.IsRelayed() {
			return p, nil
		}
	}
	return nil, fmt.Errorf("no participant %q of room %q on this node", identity, o.room)
}

func (o roomOwners) Remove(identity string) error {
	p, err := o.participant(identity)
	if err != nil {
		return err
	}
	p.Remove()
	return nil
}

func (o roomOwners) MuteTrack(identity, trackSID string, muted bool) error {
	p, err := o.participant(identity)
	if err != nil {
		return err
	}
	if err := p.MuteTrack(trackSID, muted); err != nil {
		return fmt.Errorf("mute track %s of %q: %w", trackSID, identity, err)
	}
	return nil
}

// Replaced closes the participant as a node closes the older session of an
// identity that joins again: a newer session joined on another node.
func (o roomOwners) Replaced(identity string) error {
	p, err := o.participant(identity)
	if err != nil {
		return err
	}
	p.Close(vocab.ReasonDuplicateIdentity)
	return nil
}

func (o roomOwners) Update(identity string, name, metadata *string, perms *vocab.PermissionsChange) error {
	p, err := o.participant(identity)
	if err != nil {
		return err
	}
	if name != nil || metadata != nil {
		if err := p.SetInfo(name, metadata); err != nil {
			return fmt.Errorf("update %q: %w", identity, err)
		}
	}
	if perms != nil {
		p.ChangePermissions(*perms)
	}
	return nil
}
