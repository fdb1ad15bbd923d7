package main

import (
	"errors"
	"fmt"

	"github.com/ensemble-sfu/ensemble/signalling/api"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/sip"
)

// sipDialer lets the room API place calls through the bridge running in this
// process (api cannot import sip, which must stay free of the media plane the
// API depends on).
type sipDialer struct{ b *sip.Bridge }

func (d sipDialer) Dial(room, uri, name string) (apiwire.SIPParticipant, error) {
	c, err := d.b.Dial(room, uri, name)
	if errors.Is(err, sip.ErrBadRequest) {
		return apiwire.SIPParticipant{}, fmt.Errorf("%w: %w", api.ErrSIPBadURI, err)
	}
	return participant(c), err
}

func (d sipDialer) Dialed(room, id string) (apiwire.SIPParticipant, error) {
	c, err := d.b.Dialed(room, id)
	if errors.Is(err, sip.ErrNoSuchCall) {
		return apiwire.SIPParticipant{}, fmt.Errorf("%w: %w", api.ErrNoSIPCall, err)
	}
	return participant(c), err
}

func (d sipDialer) HangUp(room, id string) error {
	if err := d.b.HangUp(room, id); err != nil {
		return fmt.Errorf("%w: %w", api.ErrNoSIPCall, err)
	}
	return nil
}

func participant(c sip.Dialed) apiwire.SIPParticipant {
	return apiwire.SIPParticipant{ID: c.ID, Room: c.Room, URI: c.URI, Name: c.Name, State: string(c.State), SIPStatus: c.SIPStatus}
}
