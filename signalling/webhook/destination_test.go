package webhook_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/webhook"
)

// waitStats waits until cond holds for the first URL's counters.
func waitStats(t *testing.T, n *webhook.Notifier, cond func(webhook.Stats) bool) webhook.Stats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := n.Stats()[0]
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met; stats %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A name that resolves to a loopback address (here "localhost") passes the start-up
// check, which sees only a name, and is refused when dialled: the receiver on the
// server's own loopback never hears of the event, and the event is given up at once.
func TestWebhookToInternalAddressIsRefusedWhenDialled(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, p, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig("http://localhost:" + p + "/hook")
	cfg.AllowedNetworks = nil
	n, err := webhook.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer n.Close()
	n.Send(webhook.Event{Type: webhook.RoomStarted})
	st := waitStats(t, n, func(s webhook.Stats) bool { return s.Failed == 1 })
	if hits.Load() != 0 || st.Delivered != 0 || st.Attempts != 1 {
		t.Fatalf("internal receiver reached or retried: hits %d, stats %+v", hits.Load(), st)
	}
}

// Listing the network lets the same receiver be reached.
func TestAllowedNetworkIsReached(t *testing.T) {
	rcv := newReceiver(t, 0)
	n, err := webhook.New(t.Context(), fastConfig(rcv.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	n.Send(webhook.Event{Type: webhook.RoomStarted})
	drain(t, n)
	if got := len(rcv.got()); got != 1 {
		t.Fatalf("receiver got %d events, want 1", got)
	}
}

func TestLiteralInternalURLIsRefusedAtStart(t *testing.T) {
	_, err := webhook.New(t.Context(), webhook.Config{URLs: []string{"http://10.1.2.3/hook"}, Secret: "s"})
	if !errors.Is(err, webhook.ErrInvalidConfig) || !errors.Is(err, webhook.ErrForbiddenDestination) {
		t.Fatalf("New = %v, want ErrInvalidConfig wrapping ErrForbiddenDestination", err)
	}
}

// A receiver that always answers 503 holds an event only for GiveUpAfter; the next
// event gets its own chance, so one long outage cannot hold the queue for ever.
func TestRetriesEndAfterGiveUpTime(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	cfg := fastConfig(srv.URL)
	cfg.GiveUpAfter = 50 * time.Millisecond
	n, err := webhook.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	n.Send(webhook.Event{Type: webhook.RoomStarted})
	n.Send(webhook.Event{Type: webhook.RoomFinished})
	st := waitStats(t, n, func(s webhook.Stats) bool { return s.Failed == 2 && s.Queued == 0 })
	if st.Delivered != 0 || st.Attempts < 4 {
		t.Fatalf("stats %+v: want both events retried then given up", st)
	}
}
