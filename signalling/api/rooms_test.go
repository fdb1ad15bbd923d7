package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/label"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestCreateRoomWithGeneratedName(t *testing.T) {
	e := newEnv(t)
	var room apiwire.Room
	r := e.do("POST", "/api/v1/rooms", e.admin, `{}`)
	r.ok(t, http.StatusCreated, &room)
	if !regexp.MustCompile(`^[a-z]{3}-[a-z]{4}-[a-z]{3}$`).MatchString(room.Name) {
		t.Fatalf("generated name %q", room.Name)
	}
	if r.header.Get("Location") != "/api/v1/rooms/"+room.Name {
		t.Fatalf("Location %q", r.header.Get("Location"))
	}
	if !room.Stored || room.Active || room.NumParticipants != 0 || room.GuestPolicy != store.GuestDeny || room.SID == "" {
		t.Fatalf("room = %+v", room)
	}
	if _, err := e.store.GetRoom(t.Context(), room.Name); err != nil {
		t.Fatalf("not stored: %v", err)
	}
}

func TestCreateRoomWithEverything(t *testing.T) {
	e := newEnv(t)
	var room apiwire.Room
	e.do("POST", "/api/v1/rooms", e.token("", "room_create"),
		`{"name":"team-a","max_participants":12,"empty_timeout":300,"metadata":"{\"x\":1}","guest_policy":"allow","lobby":true}`).
		ok(t, http.StatusCreated, &room)
	want := apiwire.Room{Name: "team-a", MaxParticipants: 12, EmptyTimeout: 300, Metadata: `{"x":1}`, GuestPolicy: store.GuestAllow, Lobby: true, Stored: true}
	room.SID, room.CreatedAt = "", want.CreatedAt
	if room != want {
		t.Fatalf("room = %+v\nwant   %+v", room, want)
	}
	e.do("POST", "/api/v1/rooms", e.admin, `{"name":"team-a"}`).problem(t, http.StatusConflict, "room_exists", "name")
}

func TestCreateRoomRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, body, ctype string
		status            int
		code              string
		fields            []string
	}{
		{"bad name", `{"name":"Team A"}`, "", 422, "invalid_field", []string{"name"}},
		{"name too long", `{"name":"` + strings.Repeat("a", 65) + `"}`, "", 422, "invalid_field", []string{"name"}},
		{"several bad fields", `{"max_participants":-1,"empty_timeout":99999999,"guest_policy":"maybe"}`, "", 422, "invalid_field",
			[]string{"max_participants", "empty_timeout", "guest_policy"}},
		{"metadata too big", `{"metadata":"` + strings.Repeat("m", label.MaxMetadataBytes+1) + `"}`, "", 422, "invalid_field", []string{"metadata"}},
		{"unknown field", `{"nmae":"x"}`, "", 400, "unknown_field", []string{"nmae"}},
		{"wrong type", `{"max_participants":"ten"}`, "", 400, "invalid_type", []string{"max_participants"}},
		{"malformed", `{"name":`, "", 400, "malformed_json", nil},
		{"syntax error", `{"name" "x"}`, "", 400, "malformed_json", nil},
		{"not an object", `[1,2]`, "", 400, "malformed_json", nil},
		{"two values", `{} {}`, "", 400, "malformed_json", nil},
		{"too large", `{"metadata":"` + strings.Repeat("m", maxBodyBytes) + `"}`, "", 413, "body_too_large", nil},
		{"not json", `name=x`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.ctype != "" {
				hdr = []string{"Content-Type", tc.ctype}
			}
			e.do("POST", "/api/v1/rooms", e.admin, tc.body, hdr...).problem(t, tc.status, tc.code, tc.fields...)
		})
	}
	t.Run("empty body", func(t *testing.T) {
		e.do("POST", "/api/v1/rooms", e.admin, "").problem(t, 400, "malformed_json")
	})
	rooms, err := e.store.ListRooms(t.Context())
	if err != nil || len(rooms) != 0 {
		t.Fatalf("refused requests stored rooms: %v %v", rooms, err)
	}
}

func TestAuthenticationProblems(t *testing.T) {
	e := newEnv(t)
	other, err := auth.Sign(testKey, "some-other-secret-0123456789abcdef", auth.TokenParams{Grants: auth.Grants{RoomList: true}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, authz string
		status      int
		code        string
	}{
		{"no token", "", 401, auth.CodeMissingToken},
		{"not bearer", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", 401, auth.CodeMalformedToken},
		{"garbage", "Bearer not.a.jwt", 401, auth.CodeMalformedToken},
		{"wrong secret", "Bearer " + other, 401, auth.CodeInvalidSignature},
		{"missing grant", "Bearer " + e.token("", "room_create"), 403, auth.CodeMissingGrant},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", e.url+"/api/v1/rooms", nil)
			if tc.authz != "" {
				req.Header.Set("Authorization", tc.authz)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			r := response{status: resp.StatusCode, header: resp.Header}
			r.body = readAll(t, resp)
			r.problem(t, tc.status, tc.code)
		})
	}
	// A room_admin token for one room does not administer another.
	e.do("GET", "/api/v1/rooms/other/participants", e.token("mine", "room_admin"), "").problem(t, 403, auth.CodeWrongRoom)
}

func TestListRoomsShowsStoredAndLiveRooms(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/api/v1/rooms", e.admin, `{"name":"b-stored"}`).ok(t, 201, nil)
	e.do("POST", "/api/v1/rooms", e.admin, `{"name":"c-both"}`).ok(t, 201, nil)
	e.join("c-both", "alice", defaultPerms())
	e.join("a-live", "bob", defaultPerms())
	e.join("a-live", "carol", defaultPerms())
	var list apiwire.RoomList
	e.do("GET", "/api/v1/rooms", e.token("", "room_list"), "").ok(t, 200, &list)
	got := []string{}
	for _, r := range list.Rooms {
		got = append(got, fmt.Sprintf("%s:%d:%v:%v", r.Name, r.NumParticipants, r.Active, r.Stored))
	}
	want := "a-live:2:true:false b-stored:0:false:true c-both:1:true:true"
	if strings.Join(got, " ") != want {
		t.Fatalf("rooms = %v, want %s", got, want)
	}
	e.do("GET", "/api/v1/rooms", e.token("", "room_admin"), "").problem(t, 403, auth.CodeMissingGrant)
}

func TestGetRoom(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/api/v1/rooms", e.admin, `{"name":"r1","lobby":true}`).ok(t, 201, nil)
	var room apiwire.Room
	e.do("GET", "/api/v1/rooms/r1", e.admin, "").ok(t, 200, &room)
	if room.Name != "r1" || !room.Lobby || room.Active {
		t.Fatalf("room = %+v", room)
	}
	e.join("r1", "alice", defaultPerms())
	e.do("GET", "/api/v1/rooms/r1", e.admin, "").ok(t, 200, &room)
	if !room.Active || room.NumParticipants != 1 || !room.Lobby {
		t.Fatalf("live room = %+v", room)
	}
	e.do("GET", "/api/v1/rooms/nope", e.admin, "").problem(t, 404, "room_not_found")
}

func TestUpdateRoomMetadata(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/api/v1/rooms", e.admin, `{"name":"r1","metadata":"old"}`).ok(t, 201, nil)
	e.join("r1", "alice", defaultPerms())
	var room apiwire.Room
	e.do("PATCH", "/api/v1/rooms/r1", e.token("r1", "room_admin"), `{"metadata":"new"}`).ok(t, 200, &room)
	if room.Metadata != "new" {
		t.Fatalf("room = %+v", room)
	}
	rec, _ := e.store.GetRoom(t.Context(), "r1")
	live, _ := e.engine.Room("r1")
	if rec.Metadata != "new" || live.Info().Metadata != "new" {
		t.Fatalf("stored %q, live %q", rec.Metadata, live.Info().Metadata)
	}
	e.do("PATCH", "/api/v1/rooms/r1", e.admin, `{}`).problem(t, 422, "invalid_field", "metadata")
	e.do("PATCH", "/api/v1/rooms/r1", e.admin, `{"metadata":"x","name":"y"}`).problem(t, 400, "unknown_field", "name")
	e.do("PATCH", "/api/v1/rooms/r1", e.admin, `{"metadata":"`+strings.Repeat("m", label.MaxMetadataBytes+1)+`"}`).problem(t, 422, "invalid_field", "metadata")
	e.do("PATCH", "/api/v1/rooms/zzz", e.admin, `{"metadata":"x"}`).problem(t, 404, "room_not_found")
	e.do("PATCH", "/api/v1/rooms/r1", e.token("", "room_list"), `{"metadata":"x"}`).problem(t, 403, auth.CodeMissingGrant)
}

func TestDeleteRoomDisconnectsEveryone(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/api/v1/rooms", e.admin, `{"name":"r1"}`).ok(t, 201, nil)
	_, a := e.join("r1", "alice", defaultPerms())
	_, b := e.join("r1", "bob", defaultPerms())
	ctx := t.Context()
	knock := make(chan error, 1)
	go func() { _, err := e.lobby.Knock(ctx, "r1", "guest", ""); knock <- err }()
	waitUntil(t, "guest waiting", func() bool { return len(e.lobby.Waiting("r1")) == 1 })
	e.do("DELETE", "/api/v1/rooms/r1", e.admin, "").ok(t, 204, nil)
	for _, s := range []*sink{a, b} {
		if r := s.waitClosed(t); r != vocab.ReasonRoomDeleted {
			t.Fatalf("closed with %q", r)
		}
	}
	if err := <-knock; err == nil {
		t.Fatal("waiting guest was not released")
	}
	if _, err := e.store.GetRoom(ctx, "r1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("room still stored: %v", err)
	}
	e.do("DELETE", "/api/v1/rooms/r1", e.admin, "").problem(t, 404, "room_not_found")
	e.do("DELETE", "/api/v1/rooms/r1", e.token("", "room_list"), "").problem(t, 403, auth.CodeMissingGrant)
}

func TestDeleteLiveOnlyRoom(t *testing.T) {
	e := newEnv(t)
	_, a := e.join("live", "alice", defaultPerms())
	e.do("DELETE", "/api/v1/rooms/live", e.admin, "").ok(t, 204, nil)
	if r := a.waitClosed(t); r != vocab.ReasonRoomDeleted {
		t.Fatalf("closed with %q", r)
	}
}

func TestSendData(t *testing.T) {
	e := newEnv(t)
	_, a := e.join("r1", "alice", defaultPerms())
	_, b := e.join("r1", "bob", defaultPerms())
	// "aGVsbG8=" is "hello".
	e.do("POST", "/api/v1/rooms/r1/data", e.admin, `{"topic":"chat","payload":"aGVsbG8="}`).ok(t, 204, nil)
	e.do("POST", "/api/v1/rooms/r1/data", e.admin, `{"kind":"lossy","payload":"Ymli","destination_identities":["bob"]}`).ok(t, 204, nil)
	waitUntil(t, "data delivered", func() bool { return len(a.data()) == 1 && len(b.data()) == 2 })
	if d := a.data()[0]; string(d.Payload) != "hello" || d.Topic != "chat" || d.Kind != vocab.DataReliable || d.FromIdentity != "" {
		t.Fatalf("alice got %+v", d)
	}
	if d := b.data()[1]; string(d.Payload) != "bib" || d.Kind != vocab.DataLossy {
		t.Fatalf("bob got %+v", d)
	}
	e.do("POST", "/api/v1/rooms/r1/data", e.admin, `{"kind":"carrier-pigeon","payload":"aGk="}`).problem(t, 422, "invalid_field", "kind")
	e.do("POST", "/api/v1/rooms/r1/data", e.admin, `{"payload":""}`).problem(t, 422, "invalid_field", "payload")
	e.do("POST", "/api/v1/rooms/r1/data", e.admin, `{"payload":"aGk=","destination_identities":[""]}`).problem(t, 422, "invalid_field", "destination_identities[0]")
	e.do("POST", "/api/v1/rooms/r1/data", e.admin, `{"payload":"!!"}`).problem(t, 400, "malformed_json")
	e.do("POST", "/api/v1/rooms/nope/data", e.admin, `{"payload":"aGk="}`).problem(t, 404, "room_not_found")
	e.do("POST", "/api/v1/rooms/r1/data", e.token("other", "room_admin"), `{"payload":"aGk="}`).problem(t, 403, auth.CodeWrongRoom)
	// A stored room nobody is in accepts the message (nobody receives it).
	e.do("POST", "/api/v1/rooms", e.admin, `{"name":"empty"}`).ok(t, 201, nil)
	e.do("POST", "/api/v1/rooms/empty/data", e.admin, `{"payload":"aGk="}`).ok(t, 204, nil)
}

func TestUnknownRoutesAndMethodsAreProblems(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/api/v1/nothing", e.admin, "").problem(t, 404, "not_found")
	r := e.do("PUT", "/api/v1/rooms", e.admin, "")
	r.problem(t, 405, "method_not_allowed")
	if allow := r.header.Get("Allow"); allow != "GET, POST" {
		t.Fatalf("Allow = %q", allow)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(time.Millisecond):
		}
	}
}

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
