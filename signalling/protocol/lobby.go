package protocol

import "time"

// The lobby (waiting room) messages. A guest who joins a room with its lobby on is
// told lobby_waiting and waits, its WebSocket open, until a room admin admits it
// (the join message follows) or refuses it (close with reason lobby_refused).
// Participants with the room_admin grant hear lobby_knock and lobby_left and decide
// with lobby_admit and lobby_refuse.

// Lobby message types.
const (
	TypeLobbyWaiting = "lobby_waiting" // LobbyWaitingEvent (server → guest)
	TypeLobbyKnock   = "lobby_knock"   // LobbyGuestEvent (server → room admins)
	TypeLobbyLeft    = "lobby_left"    // LobbyGuestEvent with Reason (server → room admins)
	TypeLobbyAdmit   = "lobby_admit"   // LobbyDecisionRequest (room admin → server)
	TypeLobbyRefuse  = "lobby_refuse"  // LobbyDecisionRequest (room admin → server)
)

// Lobby error codes.
const (
	// CodeGuestNotWaiting refuses lobby_admit or lobby_refuse naming nobody waiting.
	CodeGuestNotWaiting = "guest_not_waiting"
	// CodeLobbyFull: too many guests wait in the room's lobby already (the session ends).
	CodeLobbyFull = "lobby_full"
	// CodeNotAdmitted refuses a request of a guest still waiting in the lobby (only
	// ping and leave are served there).
	CodeNotAdmitted = "not_admitted"
)

// LobbyWaitingEvent tells a guest that it waits in the room's lobby. The guest keeps
// pinging every PingIntervalMS while it waits (a silent connection is dropped).
type LobbyWaitingEvent struct {
	Room           string `json:"room"`
	Identity       string `json:"identity"`
	Name           string `json:"name,omitempty"`
	PingIntervalMS int64  `json:"ping_interval_ms"`
}

// LobbyGuest is a guest in a lobby, as room admins see it.
type LobbyGuest struct {
	Identity string `json:"identity"`
	Name     string `json:"name,omitempty"`
	// Since is when the guest started waiting.
	Since time.Time `json:"since"`
}

// LobbyGuestEvent announces a guest who knocks (lobby_knock) or who no longer waits
// (lobby_left, with Reason: admitted, refused, cancelled, replaced or room_closed).
type LobbyGuestEvent struct {
	Guest  LobbyGuest `json:"guest"`
	Reason string     `json:"reason,omitempty"`
}

// LobbyDecisionRequest admits or refuses the waiting guest with this identity.
type LobbyDecisionRequest struct {
	Identity string `json:"identity"`
}

func (m LobbyDecisionRequest) validate() error {
	return requireSID("identity", m.Identity)
}
