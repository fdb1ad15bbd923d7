package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	pathpkg "path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/lobby"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// FuzzRoutes drives the real API handler (real sfu engine, bbolt store and lobby)
// with any route, any path parameters (room names, identities, meeting ids,
// track sids), any body and content type, and one of three credentials: a token
// with every API grant for any room, one limited to room "team", or none. The
// room "team" is live with participant "alice", and a meeting exists, so that the
// paths past the lookups are reached too. Checked: nothing panics; no answer is a
// 5xx; an error is an RFC 9457 problem document whose status and code match the
// response (a 422 names the field at fault); a success is JSON (an iCalendar file for invite.ics, nothing for
// 204). The only other answers allowed are the mux's redirects of a path that is
// not clean (an empty parameter, "." or ".."), which carry a Location.
func FuzzRoutes(f *testing.F) {
	fx := newRouteFixture(f)
	rts := routes()
	index := func(method, pattern string) uint8 {
		for i, rt := range rts {
			if rt.Method == method && rt.Pattern == pattern {
				return uint8(i)
			}
		}
		f.Fatalf("no route %s %s", method, pattern)
		return 0
	}
	add := func(method, pattern, p1, p2, p3, body, ctype string, cred uint8) {
		f.Add(index(method, pattern), p1, p2, p3, []byte(body), ctype, cred)
	}
	add("POST", "/api/v1/rooms", "", "", "", `{"name":"team-b","max_participants":3,"guest_policy":"allow","lobby":true}`, "application/json", 0)
	add("GET", "/api/v1/rooms/{room}", "team", "", "", "", "", 1)
	add("PATCH", "/api/v1/rooms/{room}", "team", "", "", `{"metadata":"{\"topic\":\"x\"}"}`, "application/merge-patch+json", 1)
	add("DELETE", "/api/v1/rooms/{room}", "nope", "", "", "", "", 0)
	add("POST", "/api/v1/rooms/{room}/data", "team", "", "", `{"payload":"aGk=","topic":"chat","destination_identities":["alice"]}`, "application/json", 0)
	add("GET", "/api/v1/rooms/{room}/participants/{identity}", "team", "alice", "", "", "", 1)
	add("PATCH", "/api/v1/rooms/{room}/participants/{identity}", "team", "alice", "", `{"name":"Alice","permissions":{"can_publish":false}}`, "", 0)
	add("POST", "/api/v1/rooms/{room}/participants/{identity}/tracks/{track}/mute", "team", "alice", "TR_nope", `{"muted":true}`, "", 0)
	add("POST", "/api/v1/rooms/{room}/lobby/{identity}/admit", "team", "guest-1", "", "", "", 0)
	add("POST", "/api/v1/meetings", "", "", "", `{"title":"t","start":"2026-12-01T10:00:00Z","end":"2026-12-01T11:00:00Z","recurrence":"FREQ=DAILY;COUNT=3"}`, "", 0)
	add("GET", "/api/v1/meetings/{id}", fx.meetingID, "", "", "", "", 0)
	add("PATCH", "/api/v1/meetings/{id}", fx.meetingID, "", "", `{"title":"renamed","time_zone":"Europe/Paris"}`, "", 0)
	add("GET", "/api/v1/meetings/{id}/invite.ics", fx.meetingID, "", "", "", "", 2)
	add("POST", "/api/rooms/{room}/join", "team", "", "", `{"name":"Guest"}`, "", 2)
	add("POST", "/api/v1/rooms/{room}/recordings", "team", "", "", `{"composite":true,"layout":"grid","audio_only":false}`, "", 1)
	add("GET", "/api/v1/rooms/{room}/recordings", "team", "", "", "", "", 1)
	add("DELETE", "/api/v1/rooms/{room}/recordings/{id}", "team", "RC_nope", "", "", "", 0)
	add("GET", "/api/v1/recordings/{id}", "RC_nope", "", "", "", "", 1)
	add("POST", "/api/v1/recording-jobs", "", "", "", `{"node":"w1"}`, "", 0)
	add("PUT", "/api/v1/recording-jobs/{id}", "RC_nope", "", "", `{"node":"w1","status":"complete","files":[{"path":"a.ogg","start_offset_ns":0,"duration_ns":1,"bytes":1}],"manifest":{"room":"team"}}`, "", 0)
	add("GET", "/api/v1/rooms/{room}", "..", "", "", "", "", 0)
	add("GET", "/api/v1/rooms/{room}", "a/b\x00\xff", "", "", "", "", 0)
	add("PATCH", "/api/v1/rooms/{room}", "team", "", "", `{"metadata":"x"}{}`, "text/plain", 1)

	f.Fuzz(func(t *testing.T, route uint8, p1, p2, p3 string, body []byte, ctype string, cred uint8) {
		fx.ensureAlice(t)
		rt := rts[int(route)%len(rts)]
		path := rt.Pattern
		for _, p := range []string{p1, p2, p3} {
			start := strings.IndexByte(path, '{')
			if start < 0 {
				break
			}
			end := start + strings.IndexByte(path[start:], '}')
			path = path[:start] + url.PathEscape(p) + path[end+1:]
		}
		r := httptest.NewRequest(rt.Method, path, bytes.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		if tok := fx.tokens[int(cred)%len(fx.tokens)]; tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		w := httptest.NewRecorder()
		fx.handler.ServeHTTP(w, r)
		checkAPIResponse(t, rt, path, w)
	})
}

// checkAPIResponse holds one answer of the API to the rules FuzzRoutes checks.
func checkAPIResponse(t *testing.T, rt Route, path string, w *httptest.ResponseRecorder) {
	t.Helper()
	status, ct, body := w.Code, w.Header().Get("Content-Type"), w.Body.Bytes()
	switch {
	case status >= 500:
		t.Fatalf("%s %s: %d %s", rt.Method, path, status, body)
	case status >= 400:
		if ct != problemContentType {
			t.Fatalf("%s %s: %d with Content-Type %q: %s", rt.Method, path, status, ct, body)
		}
		var p apiwire.Problem
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("%s %s: problem body %q: %v", rt.Method, path, body, err)
		}
		if p.Status != status || p.Code == "" || p.Type != problemTypeBase+p.Code || p.Title == "" {
			t.Fatalf("%s %s: status %d with problem %+v", rt.Method, path, status, p)
		}
		if status == http.StatusUnprocessableEntity && (len(p.Errors) == 0 || p.Errors[0].Field == "") {
			t.Fatalf("%s %s: 422 without a field: %+v", rt.Method, path, p)
		}
		if status == http.StatusMethodNotAllowed && w.Header().Get("Allow") == "" {
			t.Fatalf("%s %s: 405 without Allow", rt.Method, path)
		}
	case status >= 300:
		if w.Header().Get("Location") == "" || pathpkg.Clean(path) == path {
			t.Fatalf("%s %s: redirect %d to %q", rt.Method, path, status, w.Header().Get("Location"))
		}
	case status == http.StatusNoContent:
		if len(body) != 0 {
			t.Fatalf("%s %s: 204 with a body %q", rt.Method, path, body)
		}
	case strings.HasSuffix(rt.Pattern, ".ics"):
		if !strings.HasPrefix(ct, "text/calendar") || !bytes.HasPrefix(body, []byte("BEGIN:VCALENDAR")) {
			t.Fatalf("%s %s: %d %q %q", rt.Method, path, status, ct, body)
		}
	default:
		if ct != "application/json" || !json.Valid(body) {
			t.Fatalf("%s %s: %d with Content-Type %q and body %q", rt.Method, path, status, ct, body)
		}
	}
}

// routeFixture is a real API handler with a live room "team" holding "alice"
// and a stored meeting.
type routeFixture struct {
	handler   http.Handler
	engine    *sfu.Engine
	meetingID string
	tokens    []string // any room with every API grant; room "team" only; none
	alice     *sfu.Participant
}

func newRouteFixture(f *testing.F) *routeFixture {
	log := slog.New(slog.DiscardHandler)
	engine, err := sfu.NewEngine(context.Background(), sfu.Config{BindIP: "127.0.0.1", TCPPort: -1, Logger: log})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = engine.Close() })
	st, err := store.OpenBolt(filepath.Join(f.TempDir(), "ensemble.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = st.Close() })
	lb := lobby.New(lobby.Config{})
	f.Cleanup(lb.Close)
	keys := auth.Keys{testKey: testSecret}
	// Recordings are queued (for record workers): the routes run in full, and no
	// recorder joins anything.
	rec, err := jobs.New(jobs.Config{Store: st, Dir: f.TempDir(), Node: "fuzz", Queue: true, Logger: log})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = rec.Close(context.Background()) })
	fx := &routeFixture{engine: engine, handler: New(Deps{Engine: engine, Store: st, Verifier: auth.NewVerifier(keys),
		Keys: keys, Lobby: lb, Recordings: rec, Logger: log})}
	grants, err := auth.ParseGrantList(strings.Join([]string{auth.GrantRoomAdmin, auth.GrantRoomCreate, auth.GrantRoomList}, ","))
	if err != nil {
		f.Fatal(err)
	}
	for _, room := range []string{"", "team"} {
		tok, err := auth.Sign(testKey, testSecret, auth.TokenParams{Identity: "fuzzer", Room: room, Grants: grants, TTL: 24 * time.Hour})
		if err != nil {
			f.Fatal(err)
		}
		fx.tokens = append(fx.tokens, tok)
	}
	fx.tokens = append(fx.tokens, "")

	r := httptest.NewRequest("POST", "/api/v1/meetings", strings.NewReader(
		`{"title":"Fuzz","start":"2026-12-01T10:00:00Z","end":"2026-12-01T11:00:00Z"}`))
	r.Header.Set("Authorization", "Bearer "+fx.tokens[0])
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	fx.handler.ServeHTTP(w, r)
	var m struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &m); w.Code != http.StatusCreated || err != nil || m.ID == "" {
		f.Fatalf("create meeting: %d %s", w.Code, w.Body)
	}
	fx.meetingID = m.ID
	fx.ensureAlice(f)
	f.Cleanup(func() {
		if fx.alice != nil {
			fx.alice.Close(vocab.ReasonClientLeft)
		}
	})
	return fx
}

// ensureAlice (re)joins alice to "team" when a request removed her or the room.
func (fx *routeFixture) ensureAlice(tb testing.TB) {
	if fx.alice != nil {
		select {
		case <-fx.alice.Done():
		default:
			return
		}
	}
	room, err := fx.engine.GetOrCreateRoom("team")
	if err != nil {
		tb.Fatal(err)
	}
	fx.alice, err = room.Join(sfu.JoinParams{Identity: "alice", Sink: sfu.EventSinkFunc(func(sfu.Event) {}),
		Permissions: auth.DefaultParticipantGrants().Permissions()})
	if err != nil {
		tb.Fatal(err)
	}
}
