package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// DefaultJoinRetry is how long Join keeps trying a busy server unless
// WithJoinRetry says otherwise: three tries at an overloaded node's 10 s
// Retry-After, about as long as a person waits before giving up on a join.
const DefaultJoinRetry = 30 * time.Second

// The bounds of one wait after a 503. At least a second, so that a server
// asking for none is not hammered; at most ten, so that a server asking for
// minutes (or a proxy's default) does not outlast the caller's patience.
const (
	minBusyWait = time.Second
	maxBusyWait = 10 * time.Second
)

// ErrServerBusy wraps the last refusal of a join that was refused with 503 until
// its budget (WithJoinRetry) or its context ran out.
var ErrServerBusy = errors.New("client: server busy")

// parseRetryAfter reads a Retry-After header: delay seconds, or an HTTP date
// (RFC 9110 §10.2.3). It is 0 when absent, unreadable or past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0)
	}
	return 0
}

// busyWait tells whether err is a refusal with 503 Service Unavailable (the node
// is past its budget, the room's node does not answer, the store is failing
// over: all pass), and how long to wait before trying again: the server's
// Retry-After within [minBusyWait, maxBusyWait], plus up to a tenth more so that
// clients refused together do not come back together.
func busyWait(err error) (time.Duration, bool) {
	var e *Error
	if !errors.As(err, &e) || e.HTTPStatus != http.StatusServiceUnavailable {
		return 0, false
	}
	d := min(max(e.RetryAfter, minBusyWait), maxBusyWait)
	return d + rand.N(d/10+1), true
}

// sessionRetryWait is the wait before a resume or rejoin tries again after err:
// a busy node's Retry-After, else the caller's backoff. A draining node's
// Retry-After is the generic one of every 503 and does not apply to a session
// on the move: its room is placed on another node, which the same URL reaches
// within a second, so the quick backoff stays.
func sessionRetryWait(err error, backoff time.Duration) time.Duration {
	wait, busy := busyWait(err)
	if !busy || ErrorCode(err) == protocol.CodeServerDraining {
		return backoff
	}
	return wait
}

// dialJoin dials the join, trying again after each 503 for as long as the join
// budget and ctx allow. Any other refusal, or a 503 with retries off, returns
// at once.
func (c *Client) dialJoin(ctx context.Context) (*websocket.Conn, protocol.JoinResponse, error) {
	start := time.Now()
	end := start.Add(c.opts.joinRetry)
	if d, ok := ctx.Deadline(); ok && d.Before(end) {
		end = d
	}
	for try := 1; ; try++ {
		ws, jr, err := c.dial(ctx, "")
		if errors.Is(err, errKnockAgain) && ctx.Err() == nil {
			// Still waiting to be let in: the budget of busy refusals starts again.
			c.log.Info("the lobby's connection ended before a decision; knocking again", "why", err, "url", c.url)
			if !sleepCtx(ctx, knockAgainWait+rand.N(knockAgainWait)) {
				return nil, protocol.JoinResponse{}, fmt.Errorf("client: join: %w while knocking again: %w", ctx.Err(), err)
			}
			start, end = time.Now(), time.Now().Add(c.opts.joinRetry)
			if d, ok := ctx.Deadline(); ok && d.Before(end) {
				end = d
			}
			try = 0
			continue
		}
		wait, busy := busyWait(err)
		if err == nil || !busy || c.opts.joinRetry == 0 {
			return ws, jr, err
		}
		if next := time.Now().Add(wait); next.After(end) {
			return nil, protocol.JoinResponse{}, fmt.Errorf("%w: gave up the join after %s in %v (the next wait, %v, would end past the join's budget of %v or its context): %w",
				ErrServerBusy, tries(try), time.Since(start).Round(time.Millisecond), wait.Round(time.Millisecond), c.opts.joinRetry, err)
		}
		c.log.Info("join refused, the server is busy; trying again", "attempt", try, "code", ErrorCode(err), "wait", wait.Round(time.Millisecond), "url", c.url)
		if !sleepCtx(ctx, wait) {
			return nil, protocol.JoinResponse{}, fmt.Errorf("%w: join stopped after %s: %w; the last refusal: %w", ErrServerBusy, tries(try), ctx.Err(), err)
		}
	}
}

func tries(n int) string {
	if n == 1 {
		return "1 try"
	}
	return strconv.Itoa(n) + " tries"
}

// sleepCtx waits d, or less when ctx ends first (then it returns false).
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
