package api

import (
	"errors"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
)

// Route is one API endpoint. Grant is the token grant it needs ("" = no token).
type Route struct {
	Method, Pattern, Grant string
	serve                  func(h *handler, req *request) *Problem
}

// Routes lists every API endpoint (method, path pattern and grant), for
// documentation and for the server's access log.
func Routes() []Route { return routes() }

func routes() []Route {
	return []Route{
		{"GET", "/api/v1/openapi.json", "", (*handler).openAPI},

		{"POST", "/api/v1/rooms", auth.GrantRoomCreate, (*handler).createRoom},
		{"GET", "/api/v1/rooms", auth.GrantRoomList, (*handler).listRooms},
		{"GET", "/api/v1/rooms/{room}", auth.GrantRoomList, (*handler).getRoom},
		{"PATCH", "/api/v1/rooms/{room}", auth.GrantRoomAdmin, (*handler).updateRoom},
		{"DELETE", "/api/v1/rooms/{room}", auth.GrantRoomCreate, (*handler).deleteRoom},
		{"POST", "/api/v1/rooms/{room}/data", auth.GrantRoomAdmin, (*handler).sendData},

		{"GET", "/api/v1/rooms/{room}/participants", auth.GrantRoomAdmin, (*handler).listParticipants},
		{"GET", "/api/v1/rooms/{room}/participants/{identity}", auth.GrantRoomAdmin, (*handler).getParticipant},
		{"PATCH", "/api/v1/rooms/{room}/participants/{identity}", auth.GrantRoomAdmin, (*handler).updateParticipant},
		{"DELETE", "/api/v1/rooms/{room}/participants/{identity}", auth.GrantRoomAdmin, (*handler).removeParticipant},
		{"POST", "/api/v1/rooms/{room}/participants/{identity}/tracks/{track}/mute", auth.GrantRoomAdmin, (*handler).muteTrack},

		{"GET", "/api/v1/rooms/{room}/lobby", auth.GrantRoomAdmin, (*handler).listLobby},
		{"POST", "/api/v1/rooms/{room}/lobby/{identity}/admit", auth.GrantRoomAdmin, (*handler).admitGuest},
		{"POST", "/api/v1/rooms/{room}/lobby/{identity}/refuse", auth.GrantRoomAdmin, (*handler).refuseGuest},

		{"POST", "/api/v1/meetings", auth.GrantRoomCreate, (*handler).createMeeting},
		{"GET", "/api/v1/meetings/{id}", auth.GrantRoomList, (*handler).getMeeting},
		{"PATCH", "/api/v1/meetings/{id}", auth.GrantRoomCreate, (*handler).updateMeeting},
		{"DELETE", "/api/v1/meetings/{id}", auth.GrantRoomCreate, (*handler).cancelMeeting},
		// The .ics is a capability URL (the meeting id is ~99 random bits) because
		// calendar clients subscribe to it without credentials.
		{"GET", "/api/v1/meetings/{id}/invite.ics", "", (*handler).meetingICS},

		// Guest join: the browser app asks for a token without one.
		{"POST", "/api/rooms/{room}/join", "", (*handler).guestJoin},
	}
}

func asAuth(err error, target **auth.Error) bool { return errors.As(err, target) }
