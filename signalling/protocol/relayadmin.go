package protocol

import "github.com/ensemble-sfu/ensemble/vocab"

// TypeRelayedAdmin (server → relay) tells a relay that an administrator acted,
// on this node, on a participant the relay declared or published for: the
// relay's node does the same to the participant itself, and relays the
// result back as any change of it. With action replaced, the room itself
// acted: a newer session of the participant's identity joined it.
const TypeRelayedAdmin = "relayed_admin" // RelayedAdminEvent

// RelayedAdminEvent names the relayed participant and what was done to it.
type RelayedAdminEvent struct {
	Identity string              `json:"identity"`
	Action   vocab.RelayedAction `json:"action"`
	// TrackSID and Muted, with action mute: the track on this node (the SID
	// the relay's add_track got) and its new state.
	TrackSID string `json:"track_sid,omitempty"`
	Muted    bool   `json:"muted,omitempty"`
	// With action update: the new name and metadata (absent: unchanged) and
	// the permissions changed (absent fields: unchanged).
	Name        *string            `json:"name,omitempty"`
	Metadata    *string            `json:"metadata,omitempty"`
	Permissions *PermissionsChange `json:"permissions,omitempty"`
}

// PermissionsChange is vocab.PermissionsChange on the wire.
type PermissionsChange struct {
	CanPublish        *bool          `json:"can_publish,omitempty"`
	CanSubscribe      *bool          `json:"can_subscribe,omitempty"`
	CanPublishData    *bool          `json:"can_publish_data,omitempty"`
	CanUpdateMetadata *bool          `json:"can_update_metadata,omitempty"`
	Sources           []vocab.Source `json:"sources,omitempty"`
}

// FromPermissionsChange is c on the wire; nil stays nil.
func FromPermissionsChange(c *vocab.PermissionsChange) *PermissionsChange {
	if c == nil {
		return nil
	}
	return &PermissionsChange{CanPublish: c.CanPublish, CanSubscribe: c.CanSubscribe, CanPublishData: c.CanPublishData,
		CanUpdateMetadata: c.CanUpdateMetadata, Sources: c.Sources}
}

// Vocab is c off the wire; nil stays nil.
func (c *PermissionsChange) Vocab() *vocab.PermissionsChange {
	if c == nil {
		return nil
	}
	return &vocab.PermissionsChange{CanPublish: c.CanPublish, CanSubscribe: c.CanSubscribe, CanPublishData: c.CanPublishData,
		CanUpdateMetadata: c.CanUpdateMetadata, Sources: c.Sources}
}
