package lobby

import "time"

// Decision is how a knock ended for the guest.
type Decision string

// Decisions a room admin takes.
const (
	Admitted Decision = "admitted"
	Refused  Decision = "refused"
)

// Guest is someone waiting in a room's lobby.
type Guest struct {
	Room     string    `json:"room"`
	Identity string    `json:"identity"`
	Name     string    `json:"name,omitempty"`
	Since    time.Time `json:"since"`
}

// EventType says what happened in a lobby.
type EventType string

// Event types delivered to subscribers.
const (
	// EventKnock: a guest started waiting (also sent on Subscribe for each guest
	// already waiting, so a new admin sees the whole queue).
	EventKnock EventType = "knock"
	// EventLeft: a guest stopped waiting: admitted, refused, gave up (Reason "cancelled"),
	// replaced or the room closed. Admin UIs remove the guest from their list.
	EventLeft EventType = "left"
)

// Reasons carried by EventLeft besides the two decisions.
const (
	ReasonCancelled  = "cancelled"   // the guest's ctx ended (disconnected)
	ReasonReplaced   = "replaced"    // the same identity knocked again
	ReasonRoomClosed = "room_closed" // CloseRoom or Close
)

// Event is one change of a room's lobby, as subscribers see it.
type Event struct {
	Type  EventType `json:"type"`
	Guest Guest     `json:"guest"`
	// Reason is set on EventLeft: "admitted", "refused" or one of the Reason* constants.
	Reason string `json:"reason,omitempty"`
}
