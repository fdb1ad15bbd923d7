package protocol

import (
	"fmt"

	"github.com/ensemble-sfu/ensemble/internal/label"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// TypeRelayParticipant is sent by a relay (a participant of kind relay with the
// room_admin grant: another node carrying the room, package cascade) to put a
// participant of its node in this room, update it, or take it out:
// RelayParticipantRequest. Anyone else is refused with permission_denied.
const TypeRelayParticipant = "relay_participant"

// RelayParticipantRequest declares a participant of the relay's node in this
// room as a relayed participant, from its join on, with or without tracks.
// Sent again, it carries the participant's new name and metadata (the whole
// values, not changes); with Left, the participant left the relay's node and
// leaves this room too, with the tracks the relay published for it.
type RelayParticipantRequest struct {
	Identity string `json:"identity"`
	Name     string `json:"name,omitempty"`
	Metadata string `json:"metadata,omitempty"`
	// Kind is the participant's kind on the relay's node, fixed when it is
	// first declared; empty is standard. Never relay (a relay is not shown).
	Kind vocab.ParticipantKind `json:"kind,omitempty"`
	// Joined marks the declaration of a new session: the participant just
	// joined the relay's node, or the relay just joined this room with it
	// there. It is newer than any other participant of its identity here
	// (of this node, or relayed by another relay), which it replaces (closed
	// with duplicate_identity). Without it a declaration never replaces
	// anyone: a participant of that identity here refuses it.
	Joined bool `json:"joined,omitempty"`
	Left   bool `json:"left,omitempty"`
	// Reason, with Left only, is why the participant left the relay's node
	// (removed, token_expired, ...); the others here are told the same.
	// Empty is client_left.
	Reason vocab.CloseReason `json:"reason,omitempty"`
}

func (m RelayParticipantRequest) validate() error {
	if m.Identity == "" {
		return invalid("identity is required")
	}
	if err := label.Check(m.Identity, label.MaxNameRunes); err != nil {
		return invalid("identity %v", err)
	}
	if m.Left {
		if m.Name != "" || m.Metadata != "" || m.Kind != "" || m.Joined {
			return invalid("name, metadata, kind and joined are not sent with left (the participant leaves)")
		}
		if m.Reason != "" && !m.Reason.Valid() {
			return invalid("reason %q is not a close reason", m.Reason)
		}
		return nil
	}
	if m.Reason != "" {
		return invalid("reason is sent with left only")
	}
	if err := checkRelayedKind(m.Kind); err != nil {
		return invalid("kind %v", err)
	}
	if err := label.Check(m.Name, label.MaxNameRunes); err != nil {
		return invalid("name %v", err)
	}
	if err := label.CheckMetadata(m.Metadata, label.MaxMetadataBytes); err != nil {
		return invalid("metadata %v", err)
	}
	return nil
}

// checkRelayedKind refuses a relayed participant's kind that is unknown, or
// relay: relays are hidden, never relayed, and one relayed as a participant
// would loop between the nodes.
func checkRelayedKind(k vocab.ParticipantKind) error {
	if !k.Valid() {
		return fmt.Errorf("%q is not a participant kind", k)
	}
	if k == vocab.ParticipantRelay {
		return fmt.Errorf("%q: a relay is never relayed", k)
	}
	return nil
}
