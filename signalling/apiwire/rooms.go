package apiwire

import (
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// Room is a room as the API shows it: the stored record merged with the live room.
type Room struct {
	Name            string            `json:"name"`
	SID             string            `json:"sid,omitempty"`
	CreatedAt       time.Time         `json:"created_at"`
	MaxParticipants int               `json:"max_participants"`
	EmptyTimeout    int               `json:"empty_timeout"`
	Metadata        string            `json:"metadata,omitempty"`
	GuestPolicy     store.GuestPolicy `json:"guest_policy"`
	Lobby           bool              `json:"lobby"`
	AutoRecord      bool              `json:"auto_record"`
	// Stored is true for rooms created through the API (or by a meeting).
	Stored bool `json:"stored"`
	// Active is true while the room is live in the sfu (someone is in it).
	Active          bool `json:"active"`
	NumParticipants int  `json:"num_participants"`
	// Node is the id of the node hosting the live room (several nodes on Redis).
	Node string `json:"node,omitempty"`
}

// CreateRoomRequest is the body of POST /api/v1/rooms.
type CreateRoomRequest struct {
	Name            string            `json:"name,omitempty"`
	MaxParticipants int               `json:"max_participants,omitempty"`
	EmptyTimeout    int               `json:"empty_timeout,omitempty"`
	Metadata        string            `json:"metadata,omitempty"`
	GuestPolicy     store.GuestPolicy `json:"guest_policy,omitempty"`
	Lobby           bool              `json:"lobby,omitempty"`
	// AutoRecord records the room (per-track files) when its first participant joins.
	AutoRecord bool `json:"auto_record,omitempty"`
}

// RoomList is the body of GET /api/v1/rooms.
type RoomList struct {
	Rooms []Room `json:"rooms"`
}

// ParticipantList is the body of GET /api/v1/rooms/{room}/participants. Hidden
// participants (recorders, SIP legs) are listed too, with "hidden": true.
type ParticipantList struct {
	Participants []protocol.ParticipantInfo `json:"participants"`
}

// MuteRequest is the body of POST .../tracks/{track}/mute.
type MuteRequest struct {
	Muted *bool `json:"muted"`
}
