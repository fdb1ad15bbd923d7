package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// ErrResumeFailed ends a session that could not be resumed within the grace period.
var ErrResumeFailed = errors.New("client: resume failed")

// reconnect resumes the session on a new WebSocket within the server's grace
// period: dial with resume=<sid> until it works, the server says there is nothing
// to resume, or the grace period is over. The server then restarts ICE on the
// subscriber connection (its offer), and the client on the publisher connection.
func (c *Client) reconnect() (*websocket.Conn, error) {
	c.mu.Lock()
	sid := c.self.SID
	grace := time.Duration(c.join.ResumeGraceMS) * time.Millisecond
	c.mu.Unlock()
	if grace <= 0 {
		grace = 10 * time.Second
	}
	deadline := time.Now().Add(grace)
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		if err := c.ctx.Err(); err != nil {
			return nil, ErrClosed
		}
		ctx, cancel := context.WithDeadline(c.ctx, deadline)
		dctx, dcancel := context.WithTimeout(ctx, 3*time.Second)
		ws, jr, err := c.dial(dctx, sid)
		dcancel()
		cancel()
		if err == nil {
			c.applyJoin(jr, true)
			c.attach(ws)
			c.log.Info("session resumed", "attempt", attempt)
			c.events.push(Resumed{})
			c.goTracked(c.restartPublisherICE)
			return ws, nil
		}
		if !resumePassing(err) {
			// The server refused for good: nothing to resume, token expired, ...
			return nil, fmt.Errorf("%w: %w", ErrResumeFailed, err)
		}
		wait := sessionRetryWait(err, backoff)
		if time.Now().Add(wait).After(deadline) {
			return nil, fmt.Errorf("%w: grace period of %v over after %d attempts: %w", ErrResumeFailed, grace, attempt, err)
		}
		c.log.Debug("resume attempt failed", "attempt", attempt, "wait", wait.Round(time.Millisecond), "err", err)
		if !sleepCtx(c.ctx, wait) {
			return nil, ErrClosed
		}
		backoff = min(2*backoff, time.Second)
	}
}

// resumePassing tells the failed resumes worth trying again: no answer at all,
// any 503 (the node is busy or draining, the room's node unreachable), or an
// internal error.
func resumePassing(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return true
	}
	return e.HTTPStatus == http.StatusServiceUnavailable ||
		e.Code == protocol.CodeServerDraining || e.Code == protocol.CodeInternal || e.Code == protocol.CodeNodeUnavailable
}

// restartPublisherICE renegotiates the publisher connection with new ICE
// credentials after a resume (the old path may be dead).
func (c *Client) restartPublisherICE() {
	if c.pubPC().RemoteDescription() == nil {
		return // never negotiated: nothing to restart
	}
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	if err := c.negotiatePublisher(ctx, true); err != nil && c.ctx.Err() == nil {
		c.log.Warn("publisher ICE restart failed", "err", err)
	}
}
