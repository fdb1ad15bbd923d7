package client

import (
	"context"
	"fmt"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// DeclareRelayed puts a participant of a relay's node in the room, or updates
// its name and metadata when it is there already (relay_participant): for a
// relay only (package cascade), whose token has the room_admin grant. The
// participant stays, with or without tracks, until RemoveRelayed or until the
// relay leaves. A participant of that identity already in the room refuses
// it.
func (c *Client) DeclareRelayed(ctx context.Context, owner protocol.RelayedOwner) error {
	return c.declareRelayed(ctx, owner, false)
}

// DeclareRelayedJoined is DeclareRelayed for a new session (relay_participant
// with joined): the participant just joined the relay's node, or arrives with
// the relay. On the room's host it replaces an older participant of its
// identity, wherever that one is.
func (c *Client) DeclareRelayedJoined(ctx context.Context, owner protocol.RelayedOwner) error {
	return c.declareRelayed(ctx, owner, true)
}

func (c *Client) declareRelayed(ctx context.Context, owner protocol.RelayedOwner, joined bool) error {
	req := protocol.RelayParticipantRequest{Identity: owner.Identity, Name: owner.Name, Metadata: owner.Metadata, Kind: owner.Kind, Joined: joined}
	if _, err := c.request(ctx, protocol.TypeRelayParticipant, req); err != nil {
		return fmt.Errorf("client: declare relayed participant %q: %w", owner.Identity, err)
	}
	return nil
}

// RemoveRelayed takes a participant the relay declared (or published for) out
// of the room, with its tracks: it left the relay's node, for reason (empty:
// client_left), which the others are told.
func (c *Client) RemoveRelayed(ctx context.Context, identity string, reason vocab.CloseReason) error {
	req := protocol.RelayParticipantRequest{Identity: identity, Left: true, Reason: reason}
	if _, err := c.request(ctx, protocol.TypeRelayParticipant, req); err != nil {
		return fmt.Errorf("client: remove relayed participant %q: %w", identity, err)
	}
	return nil
}

// RelayedAdmin, to a relay only (package cascade), says that an administrator
// acted on the room's node on a participant this relay declared or published
// for: the relay's node is to do the same to the participant itself. With
// vocab.RelayedReplaced a newer session of its identity joined the room: its
// node closes it with duplicate_identity.
// TrackSID (RelayedMute) is the SID the relay's own track got in this room.
type RelayedAdmin struct {
	Identity       string
	Action         vocab.RelayedAction
	TrackSID       string
	Muted          bool
	Name, Metadata *string
	Permissions    *vocab.PermissionsChange
}

func (RelayedAdmin) isEvent() {}
