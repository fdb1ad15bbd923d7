package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
	"github.com/ensemble-sfu/ensemble/signalling/webhook/sfuhooks"
	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// receiver is a real HTTP webhook receiver that records verified events and answers
// with whatever status fail says.
type receiver struct {
	t    *testing.T
	srv  *httptest.Server
	fail atomic.Int32 // number of requests still to refuse with 503

	mu       sync.Mutex
	events   []webhook.Event
	requests int
}

func newReceiver(t *testing.T, failFirst int32) *receiver {
	r := &receiver{t: t}
	r.fail.Store(failFirst)
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.requests++
	r.mu.Unlock()
	if r.fail.Add(-1) >= 0 {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	body, err := webhook.VerifyRequest(req, secret)
	if err != nil {
		r.t.Errorf("receiver: %v", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if got := req.Header.Get(webhook.KeyHeader); got != "apikey" {
		r.t.Errorf("receiver: %s = %q", webhook.KeyHeader, got)
	}
	var ev webhook.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		r.t.Errorf("receiver: decode: %v", err)
	}
	if req.Header.Get(webhook.EventIDHeader) != ev.ID {
		r.t.Errorf("receiver: event id header %q, body %q", req.Header.Get(webhook.EventIDHeader), ev.ID)
	}
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

func (r *receiver) got() []webhook.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhook.Event(nil), r.events...)
}

func fastConfig(urls ...string) webhook.Config {
	return webhook.Config{
		URLs: urls, APIKey: "apikey", Secret: secret,
		MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		RequestTimeout:  2 * time.Second,
		AllowedNetworks: loopback,
	}
}

// loopback lets the tests' receivers, on 127.0.0.1, be reached.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

func drain(t *testing.T, n *webhook.Notifier) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := n.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v (stats %+v)", err, n.Stats())
	}
}

// sendRooms sends perRoom participant events for each of rooms, interleaved, and
// returns the order in which they were sent.
func sendRooms(n *webhook.Notifier, rooms, perRoom int) []string {
	var sent []string
	for i := range perRoom {
		for r := range rooms {
			id := fmt.Sprintf("room%d-ev%03d", r, i)
			n.Send(webhook.Event{ID: id, Type: webhook.ParticipantJoined,
				Room: &protocol.RoomInfo{Name: fmt.Sprint("room", r)}})
			sent = append(sent, id)
		}
	}
	return sent
}

func checkExactlyInOrder(t *testing.T, got []webhook.Event, sent []string) {
	t.Helper()
	if len(got) != len(sent) {
		t.Fatalf("received %d events, sent %d", len(got), len(sent))
	}
	for i, ev := range got {
		if ev.ID != sent[i] {
			t.Fatalf("event %d is %s, want %s (out of order or duplicated)", i, ev.ID, sent[i])
		}
	}
}

func TestReceiverDownAtFirstGetsEveryEventOnceInOrder(t *testing.T) {
	rcv := newReceiver(t, 7)
	n, err := webhook.New(t.Context(), fastConfig(rcv.srv.URL+"/hook"))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	sent := sendRooms(n, 3, 20)
	drain(t, n)
	checkExactlyInOrder(t, rcv.got(), sent)
	st := n.Stats()[0]
	if st.Delivered != 60 || st.AttemptsFailed != 7 || st.Dropped != 0 || st.Queued != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

// A receiver whose port refuses connections for a while (process down), then comes
// back on the same address.
func TestReceiverClosedThenBackGetsEverything(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	n, err := webhook.New(t.Context(), fastConfig("http://"+addr+"/hook"))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	sent := sendRooms(n, 2, 10)
	deadline := time.Now().Add(5 * time.Second)
	for n.Stats()[0].AttemptsFailed < 3 {
		if time.Now().After(deadline) {
			t.Fatal("no failed attempts against a closed port")
		}
		time.Sleep(time.Millisecond)
	}

	rcv := &receiver{t: t}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen again on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(rcv.serve))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	defer srv.Close()

	drain(t, n)
	checkExactlyInOrder(t, rcv.got(), sent)
}

func TestFullQueueDropsAndCounts(t *testing.T) {
	release := make(chan struct{})
	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		got.Add(1)
	}))
	defer srv.Close()
	cfg := fastConfig(srv.URL)
	cfg.QueueSize = 5
	n, err := webhook.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	sendRooms(n, 1, 20) // the first waits in the receiver; 4 more fit; 15 are dropped
	if d := n.Stats()[0].Dropped; d != 15 {
		t.Fatalf("dropped = %d, want 15", d)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(n)
	if v := gatherValue(t, reg, "ensemble_webhook_events_dropped_total"); v != 15 {
		t.Fatalf("ensemble_webhook_events_dropped_total = %v, want 15", v)
	}
	close(release)
	drain(t, n)
	if got.Load() != 5 {
		t.Fatalf("receiver got %d, want the 5 queued", got.Load())
	}
}

func TestPermanentRefusalIsSkipped(t *testing.T) {
	var calls atomic.Int32
	var mu sync.Mutex
	var ids []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, "no such hook", http.StatusNotFound)
			return
		}
		mu.Lock()
		ids = append(ids, r.Header.Get(webhook.EventIDHeader))
		mu.Unlock()
	}))
	defer srv.Close()
	n, err := webhook.New(t.Context(), fastConfig(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	sent := sendRooms(n, 1, 3)
	drain(t, n)
	if st := n.Stats()[0]; st.Failed != 1 || st.Delivered != 2 {
		t.Fatalf("stats = %+v", st)
	}
	if len(ids) != 2 || ids[0] != sent[1] || ids[1] != sent[2] {
		t.Fatalf("delivered %v", ids)
	}
}

func TestCloseStopsRetryingSenders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	n, err := webhook.New(t.Context(), fastConfig(srv.URL, srv.URL+"/second"))
	if err != nil {
		t.Fatal(err)
	}
	sendRooms(n, 1, 3)
	time.Sleep(20 * time.Millisecond)
	done := make(chan struct{})
	go func() { n.Close(); n.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	n.Send(webhook.Event{Type: webhook.RoomStarted}) // after Close: queued, never sent, no panic
}

func TestContextEndStopsSenders(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	n, err := webhook.New(ctx, fastConfig(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	n.Close() // returns because the senders already ended
}

func TestHooksSendTheRightEvents(t *testing.T) {
	rcv := newReceiver(t, 0)
	n, err := webhook.New(t.Context(), fastConfig(rcv.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	h := sfuhooks.Of(n)
	room := vocab.RoomInfo{SID: "RM_1", Name: "standup"}
	p := vocab.ParticipantInfo{SID: "PA_1", Identity: "alice"}
	tr := vocab.TrackInfo{SID: "TR_1", Kind: vocab.KindAudio, Source: vocab.SourceMicrophone}
	h.RoomStarted(room)
	h.ParticipantJoined(room, p)
	h.TrackPublished(room, p, tr)
	h.TrackUnpublished(room, p, tr)
	h.ParticipantLeft(room, p, vocab.ReasonRemoved)
	h.RoomFinished(room)
	drain(t, n)
	got := rcv.got()
	want := []webhook.EventType{webhook.RoomStarted, webhook.ParticipantJoined, webhook.TrackPublished,
		webhook.TrackUnpublished, webhook.ParticipantLeft, webhook.RoomFinished}
	if len(got) != len(want) {
		t.Fatalf("got %d events", len(got))
	}
	for i, ev := range got {
		if ev.Type != want[i] || ev.Room == nil || ev.Room.Name != "standup" || ev.ID == "" || ev.CreatedAt.IsZero() {
			t.Errorf("event %d = %+v", i, ev)
		}
	}
	if got[2].Track == nil || got[2].Track.SID != "TR_1" || got[2].Participant.Identity != "alice" {
		t.Errorf("track_published = %+v", got[2])
	}
	if got[4].Reason != "removed" {
		t.Errorf("participant_left reason = %q", got[4].Reason)
	}
}

func TestOpenEventTypesCarryData(t *testing.T) {
	rcv := newReceiver(t, 0)
	n, err := webhook.New(t.Context(), fastConfig(rcv.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	n.Send(webhook.Event{Type: "recording_finished", Room: &protocol.RoomInfo{Name: "r"}, Data: json.RawMessage(`{"file":"r.webm"}`)})
	n.Send(webhook.Event{Type: "bad", Data: json.RawMessage(`{not json`)}) // dropped, logged
	drain(t, n)
	got := rcv.got()
	if len(got) != 1 || got[0].Type != "recording_finished" || string(got[0].Data) != `{"file":"r.webm"}` {
		t.Fatalf("got %+v", got)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []webhook.Config{
		{URLs: []string{"http://x"}},                                   // no secret
		{URLs: []string{"ftp://x"}, Secret: "s"},                       // not http
		{URLs: []string{"/relative"}, Secret: "s"},                     // not absolute
		{URLs: []string{"http://%zz"}, Secret: "s"},                    // unparsable
		{URLs: []string{"http://127.0.0.1:8080/"}, Secret: "s"},        // loopback, not allowed
		{URLs: []string{"http://169.254.169.254/latest"}, Secret: "s"}, // cloud metadata
		{URLs: []string{"http://[fd00::1]/"}, Secret: "s"},             // unique local
	} {
		if _, err := webhook.New(t.Context(), cfg); !errors.Is(err, webhook.ErrInvalidConfig) {
			t.Errorf("New(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
	n, err := webhook.New(t.Context(), webhook.Config{})
	if err != nil {
		t.Fatal(err)
	}
	n.Send(webhook.Event{Type: webhook.RoomStarted}) // no URLs: nothing happens
	n.Close()
}

// Many goroutines sending the events of many rooms concurrently (as sfu hooks do):
// every room's events arrive in the order that room sent them.
func TestConcurrentRoomsKeepTheirOrder(t *testing.T) {
	rcv := newReceiver(t, 3)
	n, err := webhook.New(t.Context(), fastConfig(rcv.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	const rooms, perRoom = 8, 25
	var wg sync.WaitGroup
	for r := range rooms {
		wg.Go(func() {
			for i := range perRoom {
				n.Send(webhook.Event{ID: fmt.Sprintf("r%d-%03d", r, i), Type: webhook.TrackPublished,
					Room: &protocol.RoomInfo{Name: fmt.Sprint("r", r)}})
			}
		})
	}
	wg.Wait()
	drain(t, n)
	next := map[string]int{}
	got := rcv.got()
	if len(got) != rooms*perRoom {
		t.Fatalf("got %d events", len(got))
	}
	for _, ev := range got {
		want := fmt.Sprintf("%s-%03d", ev.Room.Name, next[ev.Room.Name])
		if ev.ID != want {
			t.Fatalf("got %s, want %s", ev.ID, want)
		}
		next[ev.Room.Name]++
	}
}

// gatherValue returns the value of the single series of the metric called name.
func gatherValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		if len(mf.GetMetric()) != 1 {
			t.Fatalf("%s has %d series", name, len(mf.GetMetric()))
		}
		m := mf.GetMetric()[0]
		if c := m.GetCounter(); c != nil {
			return c.GetValue()
		}
		return m.GetGauge().GetValue()
	}
	t.Fatalf("no metric %s", name)
	return 0
}
