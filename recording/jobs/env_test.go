package jobs_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/api"
	"github.com/ensemble-sfu/ensemble/signalling/apiclient"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// env is a real server with the API and a Runner recording inside it, a bbolt
// store, and a webhook receiver.
type env struct {
	t      *testing.T
	ctx    context.Context
	srv    *servertest.Server
	store  store.Store
	runner *jobs.Runner
	dir    string
	hooks  *receiver
	admin  *apiclient.Client
	wg     sync.WaitGroup
}

func newEnv(t *testing.T, adjust ...func(*jobs.Config)) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatal(err)
	}
	hooks := newReceiver(t)
	e := &env{t: t, ctx: ctx, store: st, dir: t.TempDir(), hooks: hooks}
	var runner atomic.Pointer[jobs.Runner]
	var apiHandler atomic.Pointer[http.Handler]
	e.srv = servertest.Start(t,
		servertest.WithEngineConfig(func(c *sfu.Config) {
			c.Hooks.ParticipantJoined = func(r vocab.RoomInfo, p vocab.ParticipantInfo) {
				if rn := runner.Load(); rn != nil {
					rn.ParticipantJoined(r, p)
				}
			}
		}),
		// The API is built once the server's URL is known: the recorders join there.
		servertest.WithHandler("/api/", func(*servertest.Server) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*apiHandler.Load()).ServeHTTP(w, r) })
		}))
	s := e.srv
	n, err := webhook.New(context.Background(), webhook.Config{URLs: []string{hooks.url}, APIKey: s.APIKey,
		Secret: s.APISecret, MinBackoff: 10 * time.Millisecond,
		AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}) // the test's receiver
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	cfg := jobs.Config{Store: st, URL: s.URL, APIKey: s.APIKey, APISecret: s.APISecret, Dir: e.dir,
		Node: "node-1", Webhooks: n, Logger: testLogger(t), MinFreeBytes: 1 << 20}
	for _, f := range adjust {
		f(&cfg)
	}
	rn, err := jobs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	runner.Store(rn)
	e.runner = rn
	var h http.Handler = api.New(api.Deps{Engine: s.Engine, Store: st, Verifier: s.Verifier, Keys: s.Keys(),
		Webhooks: n, Recordings: rn, Logger: testLogger(t)})
	apiHandler.Store(&h)
	// Cleanups run last-in first-out: the runner closes before the server and the store.
	t.Cleanup(func() { st.Close() })
	t.Cleanup(func() {
		if err := e.runner.Close(context.Background()); err != nil {
			t.Errorf("runner close: %v", err)
		}
	})
	t.Cleanup(func() { cancel(); e.wg.Wait() })
	e.admin = e.client(e.srv.Token("", "admin-cli", "room_admin", "room_list", "room_create"))
	return e
}

func (e *env) client(token string) *apiclient.Client {
	return &apiclient.Client{BaseURL: e.srv.URL, Token: token}
}

// apiToken signs an API token for room with the named grants.
func (e *env) apiToken(room string, grants auth.Grants) string {
	return e.srv.TokenWith(auth.TokenParams{Identity: "caller", Room: room, Grants: grants, TTL: time.Hour})
}

// speak joins identity to room and plays the Opus clip on a loop until the
// test ends or the returned stop is called.
func (e *env) speak(room, identity string) (c *client.Client, stop func()) {
	e.t.Helper()
	n, err := clienttest.NewNetwork()
	if err != nil {
		e.t.Fatal(err)
	}
	c, err = client.Join(e.ctx, e.srv.URL, e.srv.Token(room, identity), client.WithNet(n), client.WithLogger(testLogger(e.t)))
	if err != nil {
		e.t.Fatal(err)
	}
	mic, err := c.PublishTrack(e.ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
	if err != nil {
		e.t.Fatal(err)
	}
	opus, err := clip.ParseOgg(clips.Opus)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		for ctx.Err() == nil {
			_ = clienttest.PlayClip(ctx, mic, opus)
		}
	}()
	e.t.Cleanup(func() { cancel(); _ = c.Close() })
	return c, cancel
}

// waitFor polls cond until it holds (the test's deadline bounds it).
func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-e.ctx.Done():
			e.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waitStatus waits until recording id has status s.
func (e *env) waitStatus(id string, s store.RecordingStatus) store.Recording {
	e.t.Helper()
	var rec store.Recording
	e.waitFor("recording "+id+" "+string(s), func() bool {
		var err error
		rec, err = e.admin.GetRecording(e.ctx, id)
		if err != nil {
			e.t.Fatal(err)
		}
		if rec.Status == store.RecordingFailed && s != store.RecordingFailed {
			e.t.Fatalf("recording failed: %s", rec.Reason)
		}
		return rec.Status == s
	})
	return rec
}

// waitRecorded waits until recording id's directory holds at least n bytes of
// media: the recorder has received that much.
func (e *env) waitRecorded(id string, n int64) {
	e.waitFor("recorded media", func() bool {
		entries, _ := os.ReadDir(filepath.Join(e.dir, id))
		var total int64
		for _, en := range entries {
			if info, err := en.Info(); err == nil {
				total += info.Size()
			}
		}
		return total >= n
	})
}

// receiver is a webhook endpoint that keeps the events it gets.
type receiver struct {
	url    string
	mu     sync.Mutex
	events []webhook.Event
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		var ev webhook.Event
		if json.Unmarshal(b, &ev) == nil {
			r.mu.Lock()
			r.events = append(r.events, ev)
			r.mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(s.Close)
	r.url = s.URL
	return r
}

// recordingEvents lists the recording events received, in order.
func (r *receiver) recordingEvents() []webhook.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []webhook.Event
	for _, ev := range r.events {
		switch ev.Type {
		case jobs.RecordingStarted, jobs.RecordingEnded, jobs.RecordingFailed:
			out = append(out, ev)
		}
	}
	return out
}

func testLogger(t *testing.T) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("ENSEMBLE_TEST_LOG"))); err != nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: level}))
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
