package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
)

// scopeBodies are valid bodies for the routes that read one, so that a refusal in
// TestRoomScopedTokenOnEveryRoute comes from the scope check, not from validation.
var scopeBodies = map[string]string{
	"POST /api/v1/rooms":                                                    `{"name":"scope-b"}`,
	"PATCH /api/v1/rooms/{room}":                                            `{"metadata":"taken over"}`,
	"POST /api/v1/rooms/{room}/data":                                        `{"kind":"reliable","topic":"chat","payload":"aGk="}`,
	"PATCH /api/v1/rooms/{room}/participants/{identity}":                    `{"name":"Mallory"}`,
	"POST /api/v1/meetings":                                                 `{"title":"Hijack","start":"2030-01-01T10:00:00Z","end":"2030-01-01T11:00:00Z","room":"scope-b"}`,
	"PATCH /api/v1/meetings/{id}":                                           `{"title":"Renamed"}`,
	"POST /api/v1/rooms/{room}/participants/{identity}/tracks/{track}/mute": `{"muted":true}`,
	"POST /api/v1/rooms/{room}/recordings":                                  `{"composite":false}`,
	"POST /api/v1/recording-jobs":                                           `{"node":"thief"}`,
	"PUT /api/v1/recording-jobs/{id}":                                       `{"node":"thief","status":"failed","files":[]}`,
}

// A token for room scope-a that carries every API grant reaches nothing of room
// scope-b, on every route of the API (the table is the route list, which
// TestOpenAPIMatchesRoutes holds equal to the OpenAPI document): a route added
// without a declared scope fails here.
func TestRoomScopedTokenOnEveryRoute(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"scope-a", "scope-b"} {
		e.do("POST", "/api/v1/rooms", e.admin, `{"name":"`+name+`"}`).ok(t, 201, nil)
	}
	var victim struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	e.do("POST", "/api/v1/meetings", e.admin,
		`{"title":"Board","start":"2030-01-01T10:00:00Z","end":"2030-01-01T11:00:00Z","room":"scope-b"}`).ok(t, 201, &victim)
	e.join("scope-b", "bob", defaultPerms())

	scoped := e.token("scope-a", auth.GrantRoomAdmin, auth.GrantRoomCreate, auth.GrantRoomList, auth.GrantRecord)
	for _, rt := range Routes() {
		key := rt.Method + " " + rt.Pattern
		path := strings.NewReplacer("{room}", "scope-b", "{identity}", "bob", "{track}", "TR_none",
			"{id}", victim.ID).Replace(rt.Pattern)
		body := scopeBodies[key]
		t.Run(key, func(t *testing.T) {
			switch rt.Scope {
			case ScopePublic:
				if rt.Grant != "" {
					t.Fatalf("public route with grant %q", rt.Grant)
				}
			case ScopePathRoom, ScopeBodyRoom, ScopeServer:
				e.do(rt.Method, path, scoped, body).problem(t, http.StatusForbidden, auth.CodeWrongRoom)
			case ScopeMeeting:
				e.do(rt.Method, path, scoped, body).problem(t, http.StatusNotFound, "meeting_not_found")
			case ScopeRecording:
				e.do(rt.Method, path, scoped, body).problem(t, http.StatusNotFound, "recording_not_found")
			case ScopeList:
				var list apiwire.RoomList
				e.do(rt.Method, path, scoped, "").ok(t, 200, &list)
				if len(list.Rooms) != 1 || list.Rooms[0].Name != "scope-a" {
					t.Fatalf("room-scoped list shows %+v, want scope-a alone", list.Rooms)
				}
			case ScopeHost:
				// An API token is not a signed-in host, whatever its grants.
				e.do(rt.Method, path, scoped, body).problem(t, http.StatusUnauthorized, "not_signed_in")
			default:
				t.Fatalf("route %s declares no scope", key)
			}
		})
	}

	// Nothing of scope-b changed: its meeting keeps its title and is not cancelled,
	// its participant is there, no meeting was created in it.
	var after struct {
		Title  string `json:"title"`
		Status string `json:"status"`
	}
	e.do("GET", "/api/v1/meetings/"+victim.ID, e.admin, "").ok(t, 200, &after)
	if after.Title != "Board" || after.Status == "cancelled" {
		t.Fatalf("scope-b's meeting changed: %+v", after)
	}
	if _, ok := e.engine.Room("scope-b"); !ok {
		t.Fatal("scope-b's live room is gone")
	}
}

// The same token does reach its own room: creating without a name creates scope-a's
// record, a meeting without a room goes into scope-a, and the room is readable.
func TestRoomScopedTokenReachesItsRoom(t *testing.T) {
	e := newEnv(t)
	scoped := e.token("scope-a", auth.GrantRoomAdmin, auth.GrantRoomCreate, auth.GrantRoomList)
	var room apiwire.Room
	e.do("POST", "/api/v1/rooms", scoped, `{}`).ok(t, 201, &room)
	if room.Name != "scope-a" {
		t.Fatalf("created %q, want scope-a", room.Name)
	}
	var m struct {
		ID   string `json:"id"`
		Room string `json:"room"`
	}
	e.do("POST", "/api/v1/meetings", scoped, `{"title":"Own","start":"2030-01-01T10:00:00Z","end":"2030-01-01T11:00:00Z"}`).ok(t, 201, &m)
	if m.Room != "scope-a" {
		t.Fatalf("meeting in %q, want scope-a", m.Room)
	}
	e.do("GET", "/api/v1/meetings/"+m.ID, scoped, "").ok(t, 200, nil)
	e.do("PATCH", "/api/v1/meetings/"+m.ID, scoped, `{"title":"Own, renamed"}`).ok(t, 200, nil)
	e.do("GET", "/api/v1/rooms/scope-a", scoped, "").ok(t, 200, nil)
}
