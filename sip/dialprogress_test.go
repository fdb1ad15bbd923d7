package sip_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/api"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
	"github.com/ensemble-sfu/ensemble/sip"
)

// progressSeen gathers the states a placed call was announced with: by the
// webhooks (a real receiver over HTTP) and in its room (data messages a Go
// client got), as ensemble serve wires them (api.AnnounceSIPProgress).
type progressSeen struct {
	mu       sync.Mutex
	webhooks []apiwire.SIPParticipant
	room     []apiwire.SIPParticipant
}

func (p *progressSeen) states() (hooks, room []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.webhooks {
		hooks = append(hooks, c.State)
	}
	for _, c := range p.room {
		room = append(room, c.State)
	}
	return hooks, room
}

func (p *progressSeen) last() (hook, room apiwire.SIPParticipant) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.webhooks) > 0 {
		hook = p.webhooks[len(p.webhooks)-1]
	}
	if len(p.room) > 0 {
		room = p.room[len(p.room)-1]
	}
	return hook, room
}

// newProgressEnv is newEnv whose bridge announces its placed calls' progress
// to a webhook receiver and to the room, with a Go client in room listening.
func newProgressEnv(t *testing.T, ctx context.Context) (*env, string, *progressSeen) {
	t.Helper()
	seen := &progressSeen{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev webhook.Event
		if json.Unmarshal(body, &ev) == nil && ev.Type == api.SIPCallProgress {
			var c apiwire.SIPParticipant
			if json.Unmarshal(ev.Data, &c) == nil && ev.Room != nil && ev.Room.Name == c.Room && ev.Reason == c.State {
				seen.mu.Lock()
				seen.webhooks = append(seen.webhooks, c)
				seen.mu.Unlock()
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	hooks, err := webhook.New(context.Background(), webhook.Config{URLs: []string{receiver.URL}, APIKey: "k", Secret: "webhook-secret",
		AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hooks.Close() })
	var e *env
	e = newEnv(t, func(c *sip.Config) {
		c.OnDialProgress = func(d sip.Dialed) {
			api.AnnounceSIPProgress(e.srv.Engine, hooks, apiwire.SIPParticipant{ID: d.ID, Room: d.Room, URI: d.URI,
				Name: d.Name, State: string(d.State), SIPStatus: d.SIPStatus})
		}
	})
	room, _ := e.meeting(t)
	alice, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = alice.Close() })
	go func() {
		for ev := range alice.Events() {
			if d, ok := ev.(client.DataReceived); ok && d.Topic == api.SIPCallTopic {
				var c apiwire.SIPParticipant
				if json.Unmarshal(d.Payload, &c) == nil {
					seen.mu.Lock()
					seen.room = append(seen.room, c)
					seen.mu.Unlock()
				}
			}
		}
	}()
	return e, room, seen
}

// A placed call that a baresip answers by itself is announced answered, then
// ended once hung up, to the webhooks and in the room, in that order.
func TestDialOutProgressAnswered(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	e, room, seen := newProgressEnv(t, ctx)
	_, d := e.dialBaresip(t, room)
	answered := func(states []string) bool { return slices.Contains(states, "answered") }
	waitFor(t, ctx, "answered, announced both ways", func() bool { h, r := seen.states(); return answered(h) && answered(r) })
	if err := e.bridge.HangUp(room, d.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "ended, announced by webhook", func() bool { h, _ := seen.last(); return h.State == "ended" })
	hooks, inRoom := seen.states()
	// The room hears "ended" only if the bridge's own leg has not left yet;
	// what it heard must be in order all the same.
	for _, states := range [][]string{hooks, inRoom} {
		i := slices.Index(states, "answered")
		if slices.Contains(states[:i], "ended") || slices.Contains(states, "busy") || slices.Contains(states, "failed") {
			t.Fatalf("announced %q", states)
		}
	}
	if h, _ := seen.last(); h.ID != d.ID || h.Room != room || h.Name != "Salle B" {
		t.Fatalf("webhook call %+v, placed %+v", h, d)
	}
}

// A placed call to a phone that rings, then answers 486 (sipp as the callee),
// is announced ringing then busy with SIP status 486, both ways, and Dialed
// (the API's GET) says so too.
func TestDialOutProgressBusy(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	e, room, seen := newProgressEnv(t, ctx)
	port, mediaPort := sippPorts(t)
	callee := exec.CommandContext(ctx, needTool(t, "sipp"), "-sf", filepath.Join("testdata", "sipp", "uas_busy.xml"),
		"-i", "127.0.0.1", "-p", strconv.Itoa(port), "-mp", strconv.Itoa(mediaPort), "-m", "1", "-nostdin",
		"-timeout", "60s", "-timeout_error")
	done := make(chan error, 1)
	out := &lockedBuffer{}
	callee.Stdout, callee.Stderr = out, out
	if err := callee.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- callee.Wait() }()
	// sipp may not listen yet: the INVITE's retransmissions reach it once it does.
	d, err := e.bridge.Dial(room, fmt.Sprintf("sip:busy@127.0.0.1:%d", port), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("sipp callee: %v\n%s", err, out.String())
	}
	busy := func(states []string) bool { return slices.Contains(states, "busy") }
	waitFor(t, ctx, "busy, announced both ways", func() bool { h, r := seen.states(); return busy(h) && busy(r) })
	hooks, inRoom := seen.states()
	for _, states := range [][]string{hooks, inRoom} {
		if !slices.Equal(states, []string{"ringing", "busy"}) {
			t.Fatalf("announced %q, want ringing then busy", states)
		}
	}
	if h, r := seen.last(); h.SIPStatus != 486 || r.SIPStatus != 486 {
		t.Fatalf("SIP status %d by webhook, %d in the room; want 486", h.SIPStatus, r.SIPStatus)
	}
	got, err := e.bridge.Dialed(room, d.ID)
	if err != nil || got.State != sip.DialBusy || got.SIPStatus != 486 {
		t.Fatalf("Dialed = %+v, %v", got, err)
	}
	waitFor(t, ctx, "the call to go", func() bool { return e.bridge.Calls() == 0 })
}
