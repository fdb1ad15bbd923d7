package vocab

// RelayedAction is what an administrator did, on the node hosting a room, to a
// participant another node serves (a relayed participant, package cascade):
// the serving node does the same to the participant itself. One is the room's
// doing, not an administrator's: RelayedReplaced.
type RelayedAction string

// The relayed actions, one per API action on a participant.
const (
	// RelayedRemove removes the participant (it leaves with reason removed).
	RelayedRemove RelayedAction = "remove"
	// RelayedMute mutes or unmutes one of its tracks.
	RelayedMute RelayedAction = "mute"
	// RelayedUpdate changes its name, metadata or permissions.
	RelayedUpdate RelayedAction = "update"
	// RelayedReplaced says a newer session of the participant's identity
	// joined the room (on the room's node or through another relay): one
	// identity is one participant room-wide, so its node closes it with
	// reason duplicate_identity, as a node does with an older session of
	// its own.
	RelayedReplaced RelayedAction = "replaced"
)

// Valid reports whether a is one of the relayed actions.
func (a RelayedAction) Valid() bool {
	return a == RelayedRemove || a == RelayedMute || a == RelayedUpdate || a == RelayedReplaced
}
