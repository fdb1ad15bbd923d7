package api

import (
	"errors"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
)

// Route is one API endpoint. Grant is the token grant it needs ("" = no token);
// Scope says how the route finds the room a room-scoped token must match.
type Route struct {
	Method, Pattern, Grant string
	Scope                  Scope
	serve                  func(h *handler, req *request) *apiwire.Problem
}

// Scope says how a route finds the room of what it reads or changes. A token with a
// room claim reaches that room's resources only, on every route; a token without
// one (an API client's) is server-wide. Every route declares its scope, so a new
// route cannot forget the check (TestRoomScopedTokenOnEveryRoute walks them all).
type Scope int

const (
	// ScopePublic routes take no token (a guest join, the .ics capability URL).
	ScopePublic Scope = iota + 1
	// ScopePathRoom routes name the room in the path ({room}); authorize checks it.
	ScopePathRoom
	// ScopeMeeting routes name a meeting ({id}); the meeting's room must be the
	// token's (otherwise the meeting is not found, as if it did not exist).
	ScopeMeeting
	// ScopeBodyRoom routes create a room or a meeting: the room they name must be the
	// token's, and a room-scoped token that names none creates its own room.
	ScopeBodyRoom
	// ScopeList routes list rooms: a room-scoped token sees its room only.
	ScopeList
	// ScopeRecording routes name a recording ({id}); the recording's room must be
	// the token's (otherwise it is not found).
	ScopeRecording
	// ScopeServer routes are about the server itself (its nodes, the record
	// workers' jobs): only a server-wide token (no room claim) reaches them.
	ScopeServer
	// ScopeHost routes take a signed-in host's session (the cookie, or the add-in's
	// bearer session token), never an API token, and reach that host's own meetings.
	ScopeHost
)

// Routes lists every API endpoint (method, path pattern and grant), for
// documentation and for the server's access log.
func Routes() []Route { return routes() }

func routes() []Route {
	return []Route{
		{"GET", "/api/v1/openapi.json", "", ScopePublic, (*handler).openAPI},

		{"POST", "/api/v1/rooms", auth.GrantRoomCreate, ScopeBodyRoom, (*handler).createRoom},
		{"GET", "/api/v1/rooms", auth.GrantRoomList, ScopeList, (*handler).listRooms},
		{"GET", "/api/v1/nodes", auth.GrantRoomAdmin, ScopeServer, (*handler).listNodes},
		{"POST", "/api/v1/nodes/{id}/drain", auth.GrantRoomAdmin, ScopeServer, (*handler).drainNode},
		{"GET", "/api/v1/rooms/{room}", auth.GrantRoomList, ScopePathRoom, (*handler).getRoom},
		{"PATCH", "/api/v1/rooms/{room}", auth.GrantRoomAdmin, ScopePathRoom, (*handler).updateRoom},
		{"DELETE", "/api/v1/rooms/{room}", auth.GrantRoomCreate, ScopePathRoom, (*handler).deleteRoom},
		{"POST", "/api/v1/rooms/{room}/data", auth.GrantRoomAdmin, ScopePathRoom, (*handler).sendData},

		{"GET", "/api/v1/rooms/{room}/participants", auth.GrantRoomAdmin, ScopePathRoom, (*handler).listParticipants},
		{"GET", "/api/v1/rooms/{room}/participants/{identity}", auth.GrantRoomAdmin, ScopePathRoom, (*handler).getParticipant},
		{"PATCH", "/api/v1/rooms/{room}/participants/{identity}", auth.GrantRoomAdmin, ScopePathRoom, (*handler).updateParticipant},
		{"DELETE", "/api/v1/rooms/{room}/participants/{identity}", auth.GrantRoomAdmin, ScopePathRoom, (*handler).removeParticipant},
		{"POST", "/api/v1/rooms/{room}/participants/{identity}/tracks/{track}/mute", auth.GrantRoomAdmin, ScopePathRoom, (*handler).muteTrack},

		{"GET", "/api/v1/rooms/{room}/lobby", auth.GrantRoomAdmin, ScopePathRoom, (*handler).listLobby},
		{"POST", "/api/v1/rooms/{room}/lobby/{identity}/admit", auth.GrantRoomAdmin, ScopePathRoom, (*handler).admitGuest},
		{"POST", "/api/v1/rooms/{room}/lobby/{identity}/refuse", auth.GrantRoomAdmin, ScopePathRoom, (*handler).refuseGuest},

		{"POST", "/api/v1/rooms/{room}/sip-participants", auth.GrantRoomAdmin, ScopePathRoom, (*handler).dialSIP},
		{"GET", "/api/v1/rooms/{room}/sip-participants/{id}", auth.GrantRoomAdmin, ScopePathRoom, (*handler).getSIPParticipant},
		{"DELETE", "/api/v1/rooms/{room}/sip-participants/{id}", auth.GrantRoomAdmin, ScopePathRoom, (*handler).hangUpSIPParticipant},

		{"POST", "/api/v1/meetings", auth.GrantRoomCreate, ScopeBodyRoom, (*handler).createMeeting},
		{"GET", "/api/v1/meetings/{id}", auth.GrantRoomList, ScopeMeeting, (*handler).getMeeting},
		{"PATCH", "/api/v1/meetings/{id}", auth.GrantRoomCreate, ScopeMeeting, (*handler).updateMeeting},
		{"DELETE", "/api/v1/meetings/{id}", auth.GrantRoomCreate, ScopeMeeting, (*handler).cancelMeeting},
		// The .ics is a capability URL (the meeting id is ~99 random bits) because
		// calendar clients subscribe to it without credentials.
		{"GET", "/api/v1/meetings/{id}/invite.ics", "", ScopePublic, (*handler).meetingICS},

		// A signed-in host's meetings (the app's home page, the Outlook add-in).
		{"GET", "/api/host/meetings", "", ScopeHost, (*handler).listHostMeetings},
		{"POST", "/api/host/meetings", "", ScopeHost, (*handler).createHostMeeting},
		{"PATCH", "/api/host/meetings/{id}", "", ScopeHost, (*handler).updateHostMeeting},
		{"DELETE", "/api/host/meetings/{id}", "", ScopeHost, (*handler).cancelHostMeeting},

		// Guest join: the browser app asks for a token without one (a signed-in
		// host joining a room of theirs gets a room admin's token).
		{"POST", "/api/rooms/{room}/join", "", ScopePublic, (*handler).guestJoin},

		// Recordings: the record grant for the room, or room_admin (recordGrant).
		{"POST", "/api/v1/rooms/{room}/recordings", auth.GrantRecord, ScopePathRoom, (*handler).startRecording},
		{"GET", "/api/v1/rooms/{room}/recordings", auth.GrantRecord, ScopePathRoom, (*handler).listRecordings},
		{"DELETE", "/api/v1/rooms/{room}/recordings/{id}", auth.GrantRecord, ScopePathRoom, (*handler).stopRecording},
		{"GET", "/api/v1/recordings/{id}", auth.GrantRecord, ScopeRecording, (*handler).getRecording},
		// Record workers (ensemble record-worker) claim queued recordings and report them.
		{"POST", "/api/v1/recording-jobs", auth.GrantRoomAdmin, ScopeServer, (*handler).claimRecording},
		{"PUT", "/api/v1/recording-jobs/{id}", auth.GrantRoomAdmin, ScopeServer, (*handler).reportRecording},
		{"POST", "/api/v1/recording-jobs/{id}/lease", auth.GrantRoomAdmin, ScopeServer, (*handler).renewLease},
	}
}

func asAuth(err error, target **auth.Error) bool { return errors.As(err, target) }
