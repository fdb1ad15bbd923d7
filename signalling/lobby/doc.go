// Package lobby is the waiting room of rooms that have their lobby on.
//
// A guest (a participant without the room_admin grant) who joins such a room knocks
// and waits; a participant with room_admin admits or refuses them. The Lobby only
// keeps who waits and delivers decisions: the signalling server decides who must
// knock (the room record's lobby flag and the token's grants) and turns lobby events
// into protocol messages.
//
//	l := lobby.New(lobby.Config{Logger: logger})
//	defer l.Close()
//
//	// admin session (room_admin): hear knocks, including guests already waiting
//	stop := l.Subscribe("standup", func(ev lobby.Event) { session.send(ev) })
//	defer stop()
//
//	// guest session: blocks until a decision, the ctx ends, or the room closes
//	d, err := l.Knock(ctx, "standup", "guest-4f2a", "Alice")
//	if err == nil && d == lobby.Admitted { /* join the sfu room */ }
//
//	// admin request (or the HTTP API)
//	err = l.Admit("standup", "guest-4f2a")
//
// The signalling server (package signalling/server, lobby.go) and the HTTP API share
// one Lobby: the server holds waiting guests and relays admins' decisions over /rtc,
// the API lists the lobby and decides too.
//
// Knock never leaves anything behind: when it returns, the guest is no longer listed
// as waiting, whatever the cause.
package lobby
