package client_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// A resume refused with 503 and a Retry-After (the entry node cannot reach the
// room's node, as while a lost node's record has not expired) is tried again
// after the server's Retry-After, not after the client's quick backoff, and then
// goes through: the session goes on.
func TestResumeWaitsOutABusyNodesRetryAfter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := servertest.Start(t, servertest.WithResumeGrace(20*time.Second))
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	// An entry node in front: it passes everything to srv, answers the next
	// resumes with 503 while refuse is positive, and can cut every WebSocket.
	var (
		refuse   atomic.Int64
		mu       sync.Mutex
		attempts []time.Time // resume attempts, refused or not
		conns    []net.Conn  // upgraded (hijacked) connections
	)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("resume") != "" {
			mu.Lock()
			attempts = append(attempts, time.Now())
			mu.Unlock()
			if refuse.Add(-1) >= 0 {
				w.Header().Set("Retry-After", "2")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, `{"code":"node_unavailable","message":"the node hosting the room does not answer; retry"}`)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	front.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateHijacked {
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}
	front.Start()
	defer front.Close()

	c, err := client.Join(ctx, front.URL, srv.Token("r", "alice"), client.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resumed := make(chan struct{}, 1)
	go func() {
		for ev := range c.Events() {
			if _, ok := ev.(client.Resumed); ok {
				resumed <- struct{}{}
			}
		}
	}()

	refuse.Store(1)
	mu.Lock()
	for _, conn := range conns {
		_ = conn.Close()
	}
	mu.Unlock()
	select {
	case <-resumed:
	case <-time.After(20 * time.Second):
		t.Fatal("the session was not resumed within 20 s")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(attempts) != 2 {
		t.Fatalf("%d resume attempts, want 2 (one refused, one after the Retry-After)", len(attempts))
	}
	if gap := attempts[1].Sub(attempts[0]); gap < 2*time.Second {
		t.Errorf("the second resume came %v after the refusal, before its Retry-After of 2 s", gap)
	}
}
