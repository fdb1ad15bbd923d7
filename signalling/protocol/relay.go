package protocol

import "github.com/ensemble-sfu/ensemble/internal/label"

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
	Left     bool   `json:"left,omitempty"`
}

func (m RelayParticipantRequest) validate() error {
	if m.Identity == "" {
		return invalid("identity is required")
	}
	if err := label.Check(m.Identity, label.MaxNameRunes); err != nil {
		return invalid("identity %v", err)
	}
	if m.Left {
		if m.Name != "" || m.Metadata != "" {
			return invalid("name and metadata are not sent with left (the participant leaves)")
		}
		return nil
	}
	if err := label.Check(m.Name, label.MaxNameRunes); err != nil {
		return invalid("name %v", err)
	}
	if err := label.CheckMetadata(m.Metadata, label.MaxMetadataBytes); err != nil {
		return invalid("metadata %v", err)
	}
	return nil
}
