package vocab

// CloseReason says why the server ended a participant's session.
type CloseReason string

// Close reasons, sent to clients as they are.
const (
	ReasonClientLeft        CloseReason = "client_left"
	ReasonRemoved           CloseReason = "removed"
	ReasonRoomDeleted       CloseReason = "room_deleted"
	ReasonDuplicateIdentity CloseReason = "duplicate_identity"
	ReasonServerShutdown    CloseReason = "server_shutdown"
	ReasonTokenExpired      CloseReason = "token_expired"
	ReasonResumeTimeout     CloseReason = "resume_timeout"
	ReasonTransportFailure  CloseReason = "transport_failure"
	// ReasonLobbyRefused ends the session of a guest whom a room admin refused in
	// the room's lobby (the guest never joined the room).
	ReasonLobbyRefused CloseReason = "lobby_refused"
	// ReasonRoomMoved ends a session on a node that drains while its room goes on
	// elsewhere: the client joins again at once through the same URL and lands on
	// the room's new node.
	ReasonRoomMoved CloseReason = "room_moved"
)

// Valid reports whether r is one of the close reasons above.
func (r CloseReason) Valid() bool {
	switch r {
	case ReasonClientLeft, ReasonRemoved, ReasonRoomDeleted, ReasonDuplicateIdentity, ReasonServerShutdown,
		ReasonTokenExpired, ReasonResumeTimeout, ReasonTransportFailure, ReasonLobbyRefused, ReasonRoomMoved:
		return true
	}
	return false
}
