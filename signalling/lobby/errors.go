package lobby

import "errors"

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrClosed: the Lobby was closed (server shutting down).
	ErrClosed = errors.New("lobby: closed")
	// ErrRoomClosed: the room was deleted or closed while the guest waited.
	ErrRoomClosed = errors.New("lobby: room closed")
	// ErrReplaced: the same identity knocked again; the older knock ends with this.
	ErrReplaced = errors.New("lobby: replaced by a newer knock with the same identity")
	// ErrNotWaiting: Admit or Refuse named a guest who is not waiting in that room.
	ErrNotWaiting = errors.New("lobby: guest is not waiting")
	// ErrLobbyFull: the room already has MaxWaiting guests waiting.
	ErrLobbyFull = errors.New("lobby: too many guests waiting")
	// ErrInvalidArgument: empty room or identity.
	ErrInvalidArgument = errors.New("lobby: invalid argument")
)
