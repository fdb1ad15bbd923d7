package lobbye2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/api"
	"github.com/ensemble-sfu/ensemble/signalling/apiclient"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/lobby"
	"github.com/ensemble-sfu/ensemble/signalling/server"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// env is a server as `ensemble serve` composes it: the signalling server and the
// HTTP API sharing one bbolt store and one lobby.
type env struct {
	srv   *servertest.Server
	store store.Store
	lobby *lobby.Lobby
}

func start(t *testing.T) *env {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-registered first: these run after the server stopped.
	t.Cleanup(func() { st.Close() })
	lob := lobby.New(lobby.Config{Logger: testLogger()})
	t.Cleanup(lob.Close)
	srv := servertest.Start(t,
		servertest.WithServerConfig(func(c *server.Config) { c.Store, c.Lobby = st, lob }),
		servertest.WithHandler("/api/", func(s *servertest.Server) http.Handler {
			return api.New(api.Deps{Engine: s.Engine, Store: st, Verifier: s.Verifier, Keys: s.Keys(), Lobby: lob, Logger: testLogger()})
		}))
	return &env{srv: srv, store: st, lobby: lob}
}

// createRoom creates a room through the HTTP API, as an operator would.
func (e *env) createRoom(t *testing.T, ctx context.Context, in apiwire.CreateRoomRequest) apiwire.Room {
	t.Helper()
	ops := &apiclient.Client{BaseURL: e.srv.URL, Token: e.srv.Token("", "ops", "room_create", "room_list")}
	room, err := ops.CreateRoom(ctx, in)
	if err != nil {
		t.Fatalf("create room %q: %v", in.Name, err)
	}
	return room
}

// guestToken asks for a guest token as the browser app does (no credentials).
func (e *env) guestToken(t *testing.T, ctx context.Context, room, name string) api.GuestJoinResponse {
	t.Helper()
	var out api.GuestJoinResponse
	status := e.post(t, ctx, "/api/rooms/"+room+"/join", "", api.GuestJoinRequest{Name: name}, &out)
	if status != http.StatusOK {
		t.Fatalf("guest join of %q: HTTP %d", room, status)
	}
	return out
}

// post sends a JSON POST and decodes a JSON answer into out (when not nil).
func (e *env) post(t *testing.T, ctx context.Context, path, token string, in, out any) int {
	t.Helper()
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("POST %s: decode answer: %v", path, err)
		}
	}
	return resp.StatusCode
}

// lobbyList is GET /api/v1/rooms/{room}/lobby.
func (e *env) lobbyList(t *testing.T, ctx context.Context, room, token string) api.LobbyList {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/api/v1/rooms/"+room+"/lobby", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out api.LobbyList
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET lobby: HTTP %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// join joins with the Go client and closes it when the test ends.
func join(t *testing.T, ctx context.Context, e *env, token string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.Join(ctx, e.srv.URL, token, append([]client.Option{client.WithLogger(testLogger())}, opts...)...)
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// knock is a guest's Join running in the background: waiting is closed when the
// server put the guest in the lobby, result delivers what Join returned.
type knock struct {
	waiting chan client.LobbyWaiting
	result  chan joinResult
}

type joinResult struct {
	c   *client.Client
	err error
}

func startKnock(t *testing.T, ctx context.Context, e *env, token string) *knock {
	t.Helper()
	k := &knock{waiting: make(chan client.LobbyWaiting, 1), result: make(chan joinResult, 1)}
	go func() {
		c, err := client.Join(ctx, e.srv.URL, token, client.WithLogger(testLogger()),
			client.WithLobbyWaiting(func(w client.LobbyWaiting) { k.waiting <- w }))
		k.result <- joinResult{c, err}
	}()
	t.Cleanup(func() {
		// ctx ends with the test, so Join returns; a client that joined is closed
		// before the server stops.
		if r := <-k.result; r.c != nil {
			r.c.Close()
		}
	})
	return k
}

func (k *knock) waitInLobby(t *testing.T, ctx context.Context) client.LobbyWaiting {
	t.Helper()
	select {
	case w := <-k.waiting:
		return w
	case r := <-k.result:
		k.result <- r
		t.Fatalf("Join returned (%v) without waiting in the lobby", r.err)
	case <-ctx.Done():
		t.Fatal("no lobby_waiting")
	}
	return client.LobbyWaiting{}
}

func (k *knock) outcome(t *testing.T, ctx context.Context) joinResult {
	t.Helper()
	select {
	case r := <-k.result:
		k.result <- r // for the cleanup
		return r
	case <-ctx.Done():
		t.Fatal("Join did not return after the decision")
	}
	return joinResult{}
}

// next reads c's events until one of type T for which match holds (nil: any).
func next[T client.Event](t *testing.T, ctx context.Context, c *client.Client, match func(T) bool) T {
	t.Helper()
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("events ended while waiting for %T", *new(T))
			}
			if cl, ok := ev.(client.Closed); ok {
				if _, want := any(cl).(T); !want {
					t.Fatalf("session closed (%s %v) while waiting for %T", cl.Reason, cl.Err, *new(T))
				}
			}
			if e, ok := ev.(T); ok && (match == nil || match(e)) {
				return e
			}
		case <-ctx.Done():
			t.Fatalf("no %T event: %v", *new(T), ctx.Err())
		}
	}
}

// publishVideo publishes the 640x360 VP8 clip as the camera and plays it until the
// test ends.
func publishVideo(t *testing.T, ctx context.Context, c *client.Client) *client.LocalTrack {
	t.Helper()
	cl, err := clip.ParseIVF(clips.VP8Medium)
	if err != nil {
		t.Fatal(err)
	}
	track, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera, Name: "camera", Width: 640, Height: 360})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	pctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := clienttest.PlayClip(pctx, track, cl); err != nil {
			t.Errorf("play: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return track
}

// receiveRTP waits for the subscription of trackSID and reads n RTP packets of it.
func receiveRTP(t *testing.T, ctx context.Context, c *client.Client, trackSID string, n int) {
	t.Helper()
	sub := next(t, ctx, c, func(e client.TrackSubscribed) bool { return e.Track.TrackSID == trackSID })
	got := make(chan error, 1)
	go func() {
		for i := range n {
			if _, err := sub.Track.ReadRTP(); err != nil {
				got <- fmt.Errorf("packet %d: %w", i, err)
				return
			}
		}
		got <- nil
	}()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("read RTP of %s: %v", trackSID, err)
		}
	case <-ctx.Done():
		t.Fatalf("fewer than %d RTP packets of %s arrived", n, trackSID)
	}
	sub.Track.Discard()
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out: %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func testLogger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("ENSEMBLE_TEST_LOG"))); err != nil || os.Getenv("ENSEMBLE_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
