package client_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// The node of these tests may host one room of one participant: a join of a
// second room is refused with 503 server_overloaded and Retry-After (10 s) until
// the first room closes; a second participant in the first room is refused with
// 403 room_full.
func startOneRoomServer(t *testing.T) *servertest.Server {
	t.Helper()
	return servertest.Start(t, servertest.WithMaxParticipants(1),
		servertest.WithEngineConfig(func(c *sfu.Config) { c.MaxRooms = 1 }))
}

// retryLog counts the client's "trying again" records, through its logger.
type retryLog struct {
	mu    sync.Mutex
	n     int
	codes []string
}

const retryMessage = "join refused, the server is busy; trying again"

func (r *retryLog) Enabled(context.Context, slog.Level) bool { return true }
func (r *retryLog) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *retryLog) WithGroup(string) slog.Handler            { return r }
func (r *retryLog) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message != retryMessage {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "code" {
			r.codes = append(r.codes, a.Value.String())
		}
		return true
	})
	return nil
}

func (r *retryLog) retries() (int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n, append([]string(nil), r.codes...)
}

// holdTheRoom joins the node's only room and returns its participant.
func holdTheRoom(t *testing.T, ctx context.Context, srv *servertest.Server) *client.Client {
	t.Helper()
	holder, err := client.Join(ctx, srv.URL, srv.Token("first", "holder"), client.WithJoinRetry(0))
	if err != nil {
		t.Fatalf("the first room's join: %v", err)
	}
	t.Cleanup(func() { _ = holder.Close() })
	return holder
}

// A join the node refuses for want of room (503) goes through by itself once
// the room that filled the node closes, within the join's budget.
func TestJoinRefusedBusyGoesThroughOnceARoomCloses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := startOneRoomServer(t)
	holder := holdTheRoom(t, ctx, srv)

	log := &retryLog{}
	type result struct {
		c   *client.Client
		err error
	}
	joined := make(chan result, 1)
	go func() {
		c, err := client.Join(ctx, srv.URL, srv.Token("second", "late"),
			client.WithLogger(slog.New(log)), client.WithJoinRetry(30*time.Second))
		joined <- result{c, err}
	}()
	// Capacity frees up only once the join was refused at least once.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if n, _ := log.retries(); n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the join into a full node was never refused and retried")
		}
	}
	if err := holder.Leave(ctx); err != nil {
		t.Fatalf("the first room's participant leaves: %v", err)
	}
	r := <-joined
	if r.err != nil {
		t.Fatalf("the join did not go through once the first room closed: %v", r.err)
	}
	defer r.c.Close()
	if got := r.c.Room().Name; got != "second" {
		t.Errorf("joined room %q, want second", got)
	}
	n, codes := log.retries()
	for _, code := range codes {
		if code != "server_overloaded" {
			t.Errorf("retried after a %q refusal, want server_overloaded only", code)
		}
	}
	t.Logf("joined after %d refusals", n)
}

// A join still refused with 503 when its budget runs out returns the last
// refusal, saying how many tries were made; so does one whose context ends first.
func TestJoinBusyPastItsBudgetSaysTheTriesAndTheRefusal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := startOneRoomServer(t)
	holdTheRoom(t, ctx, srv)

	check := func(t *testing.T, err error, tries string) {
		t.Helper()
		var refusal *client.Error
		switch {
		case err == nil:
			t.Fatal("joined a node that hosts as many rooms as it may")
		case !errors.Is(err, client.ErrServerBusy):
			t.Errorf("error %v does not wrap ErrServerBusy", err)
		case !errors.As(err, &refusal) || refusal.HTTPStatus != http.StatusServiceUnavailable || refusal.Code != "server_overloaded" || refusal.RetryAfter != 10*time.Second:
			t.Errorf("error %v does not carry the 503 server_overloaded refusal with its Retry-After of 10 s", err)
		}
		for _, want := range []string{"HTTP 503", "server_overloaded", tries} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	}
	t.Run("budget", func(t *testing.T) {
		// Tries at 0 and after Retry-After (10 s); the next wait would end past 15 s.
		log := &retryLog{}
		_, err := client.Join(ctx, srv.URL, srv.Token("second", "late"),
			client.WithLogger(slog.New(log)), client.WithJoinRetry(15*time.Second))
		check(t, err, "after 2 tries")
		if n, _ := log.retries(); n != 1 {
			t.Errorf("%d retries logged, want 1", n)
		}
	})
	t.Run("context", func(t *testing.T) {
		// The first wait would end past the caller's deadline: no point waiting.
		short, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		_, err := client.Join(short, srv.URL, srv.Token("second", "hurried"))
		check(t, err, "after 1 try")
	})
	t.Run("off", func(t *testing.T) {
		_, err := client.Join(ctx, srv.URL, srv.Token("second", "impatient"), client.WithJoinRetry(0))
		var refusal *client.Error
		if !errors.As(err, &refusal) || refusal.HTTPStatus != http.StatusServiceUnavailable || errors.Is(err, client.ErrServerBusy) {
			t.Errorf("join with retries off: %v, want the first 503 refusal itself", err)
		}
	})
}

// Refusals other than 503 are final: the join returns the server's refusal after
// one try.
func TestJoinOtherRefusalsAreNotRetried(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := startOneRoomServer(t)
	holdTheRoom(t, ctx, srv)
	forged, err := auth.Sign(srv.APIKey, "not-the-servers-secret", auth.TokenParams{Identity: "forger", Room: "first",
		Grants: auth.DefaultParticipantGrants(), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, url, token string
		status           int
	}{
		{"401 bad signature", srv.URL, forged, http.StatusUnauthorized},
		{"403 room full", srv.URL, srv.Token("first", "second-guest"), http.StatusForbidden},
		{"404 no such endpoint", srv.URL + "/nowhere", srv.Token("first", "lost"), http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			log := &retryLog{}
			_, err := client.Join(ctx, tt.url, tt.token, client.WithLogger(slog.New(log)), client.WithJoinRetry(30*time.Second))
			var refusal *client.Error
			if !errors.As(err, &refusal) || refusal.HTTPStatus != tt.status {
				t.Fatalf("join: %v, want a refusal with HTTP %d", err, tt.status)
			}
			if errors.Is(err, client.ErrServerBusy) || strings.Contains(err.Error(), "tries") {
				t.Errorf("join: %v, want the refusal itself", err)
			}
			if n, _ := log.retries(); n != 0 {
				t.Errorf("%d retries logged, want none", n)
			}
		})
	}
}
