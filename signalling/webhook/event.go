package webhook

import (
	"encoding/json"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// EventType names an event. It is an open set: other packages (recording, SIP) send
// their own types with Notifier.Send.
type EventType string

// Event types sent from the sfu hooks.
const (
	RoomStarted       EventType = "room_started"
	RoomFinished      EventType = "room_finished"
	ParticipantJoined EventType = "participant_joined"
	ParticipantLeft   EventType = "participant_left"
	TrackPublished    EventType = "track_published"
	TrackUnpublished  EventType = "track_unpublished"
)

// Event types sent by the HTTP API (package api) for actions the sfu does not see.
// Meeting events carry the meeting (as the API returns it) in Data.
const (
	RoomCreated      EventType = "room_created"
	RoomDeleted      EventType = "room_deleted"
	MeetingCreated   EventType = "meeting_created"
	MeetingUpdated   EventType = "meeting_updated"
	MeetingCancelled EventType = "meeting_cancelled"
)

// Event is the JSON body POSTed to receivers.
type Event struct {
	// ID is unique per event (receivers de-duplicate on it: a retry after a lost
	// response delivers the same ID twice).
	ID        string    `json:"id"`
	Type      EventType `json:"event"`
	CreatedAt time.Time `json:"created_at"`
	// Room is set on every room-scoped event; ordering is guaranteed per URL, so in
	// particular per room.
	Room        *protocol.RoomInfo        `json:"room,omitempty"`
	Participant *protocol.ParticipantInfo `json:"participant,omitempty"`
	Track       *protocol.TrackInfo       `json:"track,omitempty"`
	// Reason is why a participant left (vocab.CloseReason) or another event's cause.
	Reason string `json:"reason,omitempty"`
	// Data carries the payload of event types this package does not know.
	Data json.RawMessage `json:"data,omitempty"`
}
