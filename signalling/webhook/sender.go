package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// item is one event queued for one URL, encoded once for all URLs.
type item struct {
	id      string
	typ     EventType
	room    string
	payload *payload
}

// sender owns the queue of one URL. Only its run goroutine sends, one event at a
// time, which is what keeps events in order.
type sender struct {
	n     *Notifier
	url   string
	label string
	log   *slog.Logger

	mu    sync.Mutex
	queue []item
	idle  chan struct{} // closed while the queue is empty and nothing is in flight; replaced when work arrives
	wake  chan struct{}

	delivered, dropped, failed, attempts, attemptsFailed atomic.Uint64
	lastDropLog                                          atomic.Int64 // unix nanos, throttles drop logs
}

func newSender(n *Notifier, rawURL, label string) *sender {
	idle := make(chan struct{})
	close(idle)
	return &sender{
		n: n, url: rawURL, label: label,
		log:  n.log.With("url", label),
		idle: idle,
		wake: make(chan struct{}, 1),
	}
}

func (s *sender) enqueue(it item) {
	s.mu.Lock()
	if len(s.queue) >= s.n.cfg.QueueSize {
		s.mu.Unlock()
		s.dropped.Add(1)
		s.logDrop(it)
		return
	}
	if len(s.queue) == 0 {
		select {
		case <-s.idle:
			s.idle = make(chan struct{})
		default:
		}
	}
	s.queue = append(s.queue, it)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// logDrop logs at most one drop line per second per URL: a receiver down for long
// would otherwise flood the log; the counter has the exact number.
func (s *sender) logDrop(it item) {
	now := time.Now().UnixNano()
	last := s.lastDropLog.Load()
	if now-last < int64(time.Second) || !s.lastDropLog.CompareAndSwap(last, now) {
		return
	}
	s.log.Warn("webhook queue full, event dropped", "event", it.typ, "event_id", it.id,
		"room", it.room, "queue_size", s.n.cfg.QueueSize, "dropped_total", s.dropped.Load())
}

// head returns the oldest queued item without removing it.
func (s *sender) head() (item, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return item{}, false
	}
	return s.queue[0], true
}

// pop removes the head once it has been delivered or given up.
func (s *sender) pop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue[0] = item{}
	s.queue = s.queue[1:]
	if len(s.queue) == 0 {
		s.queue = nil // let the backing array of a long outage go
		close(s.idle)
	}
}

func (s *sender) length() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

func (s *sender) drain(ctx context.Context) error {
	s.mu.Lock()
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *sender) run(ctx context.Context) {
	for {
		it, ok := s.head()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
				continue
			}
		}
		if !s.deliver(ctx, it) {
			return
		}
		s.pop()
	}
}

// deliver tries it until the receiver takes it or refuses it for good; false means
// ctx ended first.
func (s *sender) deliver(ctx context.Context, it item) bool {
	body, err := it.payload.encode()
	if err != nil {
		// Only Data can fail to encode (invalid raw JSON): a bug in the caller.
		s.failed.Add(1)
		s.log.Error("webhook event not encodable, skipped", "event", it.typ, "event_id", it.id, "room", it.room, "err", err)
		return true
	}
	backoff := s.n.cfg.MinBackoff
	giveUp := time.Now().Add(s.n.cfg.GiveUpAfter)
	for attempt := 1; ; attempt++ {
		s.attempts.Add(1)
		status, err := s.post(ctx, it, body)
		switch {
		case err == nil && status/100 == 2:
			s.delivered.Add(1)
			if attempt > 1 {
				s.log.Info("webhook delivered after retries", "event", it.typ, "event_id", it.id, "room", it.room, "attempts", attempt)
			}
			return true
		case err == nil && status/100 == 3:
			// A redirect is a configuration to fix, not a failure that passes.
			s.failed.Add(1)
			s.log.Warn("webhook receiver answered with a redirect, not followed; configure the final URL, skipped",
				"event", it.typ, "event_id", it.id, "room", it.room, "status", status)
			return true
		case err == nil && status/100 == 4 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
			// The receiver understood and refused: retrying would block the queue forever.
			s.failed.Add(1)
			s.log.Warn("webhook refused by receiver, skipped", "event", it.typ, "event_id", it.id, "room", it.room, "status", status)
			return true
		case errors.Is(err, ErrForbiddenDestination):
			// The address will not become allowed by waiting.
			s.failed.Add(1)
			s.log.Warn("webhook destination not allowed, skipped", "event", it.typ, "event_id", it.id, "room", it.room, "err", err)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		s.attemptsFailed.Add(1)
		s.log.Debug("webhook attempt failed", "event", it.typ, "event_id", it.id, "room", it.room,
			"attempt", attempt, "status", status, "err", err, "retry_in", backoff)
		// Jitter (±25 %) spreads the retries of many servers after a receiver outage.
		wait := backoff - backoff/4 + time.Duration(rand.Int64N(int64(backoff/2)+1))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		backoff = min(2*backoff, s.n.cfg.MaxBackoff)
		if time.Now().After(giveUp) {
			s.failed.Add(1)
			s.log.Warn("webhook receiver unreachable for too long, event dropped", "event", it.typ, "event_id", it.id,
				"room", it.room, "attempts", attempt, "give_up_after", s.n.cfg.GiveUpAfter, "status", status, "err", err)
			return true
		}
	}
}

func (s *sender) post(ctx context.Context, it item, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.n.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Ensemble-Webhook/1")
	req.Header.Set(SignatureHeader, Sign(s.n.cfg.Secret, s.n.cfg.Now(), body))
	req.Header.Set(EventIDHeader, it.id)
	if s.n.cfg.APIKey != "" {
		req.Header.Set(KeyHeader, s.n.cfg.APIKey)
	}
	resp, err := s.n.cfg.Client.Do(req)
	if err != nil {
		return 0, err
	}
	// Read a little of the body so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	return resp.StatusCode, nil
}
