package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/lobby"
	"github.com/ensemble-sfu/ensemble/signalling/oidcauth"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testKey    = "apikey"
	testSecret = "api-test-secret-0123456789abcdef0123456789"
)

// env is a real API server: the handler over HTTP on 127.0.0.1, a real sfu engine,
// a real bbolt store and a lobby.
type env struct {
	t      *testing.T
	url    string
	deps   Deps
	engine *sfu.Engine
	store  store.Store
	lobby  *lobby.Lobby
	admin  string // token with room_admin, room_create and room_list, for no room
}

func newEnv(t *testing.T, adjust ...func(*Deps)) *env {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	engine, err := sfu.NewEngine(context.Background(), sfu.Config{BindIP: "127.0.0.1", TCPPort: -1, Logger: log})
	if err != nil {
		t.Fatalf("sfu engine: %v", err)
	}
	t.Cleanup(func() { engine.Close() })
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatalf("store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	lb := lobby.New(lobby.Config{})
	t.Cleanup(lb.Close)
	// Sign-in: sessions are minted by the tests (the provider is never reached here;
	// the sign-in itself is tested in oidcauth and in the browser tests).
	sessions, err := oidcauth.New(oidcauth.Config{Issuer: "http://127.0.0.1:1", ClientID: "ensemble",
		RedirectURL: "http://127.0.0.1:1/auth/callback", SessionSecret: strings.Repeat("x", 32),
		Host: oidcauth.HostRule{EmailDomains: []string{"staff.example"}}}, log)
	if err != nil {
		t.Fatal(err)
	}
	d := Deps{Engine: engine, Store: st, Verifier: auth.NewVerifier(auth.Keys{testKey: testSecret}),
		Keys: auth.Keys{testKey: testSecret}, Lobby: lb, Sessions: sessions, Logger: log}
	for _, f := range adjust {
		f(&d)
	}
	e := &env{t: t, url: newServer(t, d), deps: d, engine: engine, store: st, lobby: lb}
	e.admin = e.token("", auth.GrantRoomAdmin, auth.GrantRoomCreate, auth.GrantRoomList)
	return e
}

// token mints an API token for room ("" = any room) with the named grants.
func (e *env) token(room string, grants ...string) string {
	e.t.Helper()
	g, err := auth.ParseGrantList(strings.Join(grants, ","))
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := auth.Sign(testKey, testSecret, auth.TokenParams{Identity: "tester", Room: room, Grants: g, TTL: time.Hour})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; body is sent as JSON when it is not empty. hdr is pairs of
// header name and value.
func (e *env) do(method, path, token, body string, hdr ...string) response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// ok checks the status and decodes the JSON body into out (when not nil).
func (r response) ok(t *testing.T, status int, out any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if out != nil {
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
		if err := json.Unmarshal(r.body, out); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
	}
}

// problem checks that r is a problem document with this status and code, naming
// field when field is not empty.
func (r response) problem(t *testing.T, status int, code string, field ...string) apiwire.Problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != problemContentType {
		t.Fatalf("Content-Type %q, want %s; body %s", ct, problemContentType, r.body)
	}
	var p apiwire.Problem
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem %s: %v", r.body, err)
	}
	if p.Code != code || p.Status != status || p.Type != problemTypeBase+code || p.Title == "" {
		t.Fatalf("problem = %+v, want code %s", p, code)
	}
	for _, f := range field {
		found := false
		for _, fe := range p.Errors {
			if fe.Field == f && fe.Message != "" {
				found = true
			}
		}
		if !found {
			t.Fatalf("problem %s does not name field %q", r.body, f)
		}
	}
	return p
}

// sink records the events the sfu sends to a participant.
type sink struct {
	mu     sync.Mutex
	events []sfu.Event
	closed chan vocab.CloseReason
}

func newSink() *sink { return &sink{closed: make(chan vocab.CloseReason, 1)} }

func (s *sink) Send(ev sfu.Event) {
	s.mu.Lock()
	s.events = append(s.events, ev)
	s.mu.Unlock()
	if c, ok := ev.(sfu.Closed); ok {
		s.closed <- c.Reason
	}
}

// snapshot is a copy of the events so far.
func (s *sink) snapshot() []sfu.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sfu.Event(nil), s.events...)
}

func (s *sink) data() []sfu.DataPacket {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sfu.DataPacket
	for _, ev := range s.events {
		if d, ok := ev.(sfu.DataReceived); ok {
			out = append(out, d.Packet)
		}
	}
	return out
}

func (s *sink) waitClosed(t *testing.T) vocab.CloseReason {
	t.Helper()
	select {
	case r := <-s.closed:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("participant was not closed")
		return ""
	}
}

// join puts a participant in the live room (created if needed).
func (e *env) join(room, identity string, perms vocab.Permissions) (*sfu.Participant, *sink) {
	e.t.Helper()
	r, err := e.engine.GetOrCreateRoom(room)
	if err != nil {
		e.t.Fatal(err)
	}
	s := newSink()
	p, err := r.Join(sfu.JoinParams{Identity: identity, Name: "Name " + identity, Permissions: perms, Sink: s})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { p.Close(vocab.ReasonClientLeft) })
	return p, s
}

func defaultPerms() vocab.Permissions { return auth.DefaultParticipantGrants().Permissions() }

// newServer serves the API of d on 127.0.0.1 until the test ends.
func newServer(t *testing.T, d Deps) string {
	srv := httptest.NewServer(New(d))
	t.Cleanup(srv.Close)
	return srv.URL
}
