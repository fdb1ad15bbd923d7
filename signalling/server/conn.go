package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// errSessionClosed ends a conn after the close message went out.
var errSessionClosed = errors.New("server: session closed")

// errReplaced ends a conn whose participant resumed on another connection.
var errReplaced = errors.New("server: replaced by a resumed connection")

// conn is one WebSocket of a participant. It is the participant's EventSink while
// attached. One goroutine reads (and processes requests in order), one writes.
type conn struct {
	srv *Server
	q   *outQueue
	log *slog.Logger

	// peer is nil while a guest waits in the lobby: the conn runs before its
	// participant exists. released is set once the conn was forgotten, so that a
	// guest admitted just as its connection dropped is not left without one.
	peerMu   sync.Mutex
	peer     *peer
	released bool
	// leaveRequested: the guest sent leave while waiting in the lobby.
	leaveRequested bool
	// Set before the loops start, read-only afterwards:
	// stopLobby ends a room admin's lobby subscription (nil for others), called by
	// release; roomAdmin says the conn's token has room_admin; cancelKnock ends the
	// lobby wait of a guest (nil for others).
	stopLobby   func()
	roomAdmin   bool
	cancelKnock context.CancelCauseFunc

	// ws is set once by start, before the loops run; end may run before that on
	// another goroutine (an sfu event overflowing the queue), hence wsMu.
	wsMu    sync.Mutex
	ws      *websocket.Conn
	ctx     context.Context
	cancel  context.CancelCauseFunc
	endOnce sync.Once
	// finished is set once a close message was written: the session ended on
	// purpose and the participant is not kept for a resume.
	finished atomic.Bool

	limiter tokenBucket // read goroutine only
}

var _ sfu.EventSink = (*conn)(nil)

func (s *Server) newConn(log *slog.Logger) *conn {
	ctx, cancel := context.WithCancelCause(context.Background())
	c := &conn{
		srv:     s,
		q:       newOutQueue(s.cfg.OutgoingQueue),
		log:     log,
		ctx:     ctx,
		cancel:  cancel,
		limiter: newTokenBucket(s.cfg.RateLimit, s.cfg.RateBurst),
	}
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	return c
}

// Send implements sfu.EventSink: it converts ev and queues it without blocking.
func (c *conn) Send(ev sfu.Event) {
	m, ok := eventMessage(ev)
	if !ok {
		c.log.Warn("unknown sfu event dropped", "event", fmt.Sprintf("%T", ev))
		return
	}
	c.send(m)
}

// send queues m; a reliable message that does not fit drops the session (the
// client can resume and gets the whole room state again).
func (c *conn) send(m outMsg) {
	if c.ctx.Err() != nil {
		return
	}
	if !c.q.push(m) {
		c.srv.metrics.queueOverflows.Inc()
		c.log.Warn("client too slow: outgoing queue full, dropping the connection", "queued", c.srv.cfg.OutgoingQueue)
		c.end(ErrQueueFull)
	}
}

func (c *conn) sendError(reqID uint32, code, message string) {
	c.srv.metrics.requestErrors.WithLabelValues(code).Inc()
	c.send(outMsg{typ: protocol.TypeError, reqID: reqID, data: protocol.ErrorMessage{Code: code, Message: message}})
}

func (c *conn) ack(reqID uint32) {
	if reqID != 0 {
		c.send(outMsg{typ: protocol.TypeAck, reqID: reqID})
	}
}

// start runs the conn on an upgraded WebSocket.
func (c *conn) start(ws *websocket.Conn) {
	c.wsMu.Lock()
	c.ws = ws
	c.wsMu.Unlock()
	if c.ctx.Err() != nil { // ended before the upgrade completed
		_ = ws.CloseNow()
		c.release()
		return
	}
	ws.SetReadLimit(c.srv.cfg.MaxMessageBytes)
	if !c.srv.goAdd(2) {
		_ = ws.CloseNow()
		c.release()
		return
	}
	go c.writeLoop()
	go c.readLoop()
}

// end stops the conn once; the read loop then reports the loss to the peer.
func (c *conn) end(cause error) {
	c.endOnce.Do(func() {
		c.cancel(cause)
		c.wsMu.Lock()
		ws := c.ws
		c.wsMu.Unlock()
		if ws != nil && !c.finished.Load() {
			_ = ws.CloseNow()
		}
	})
}

// release forgets the conn and tells its peer (unless it never got one).
func (c *conn) release() {
	c.end(context.Canceled)
	s := c.srv
	s.mu.Lock()
	delete(s.conns, c)
	s.notifyChanged()
	s.mu.Unlock()
	if c.stopLobby != nil {
		c.stopLobby()
	}
	c.peerMu.Lock()
	c.released = true
	p := c.peer
	c.peerMu.Unlock()
	if p != nil {
		p.connLost(c, context.Cause(c.ctx))
	}
}

// bindPeer makes p the conn's participant; false when the conn was released
// already (the client went away meanwhile).
func (c *conn) bindPeer(p *peer) bool {
	c.peerMu.Lock()
	defer c.peerMu.Unlock()
	c.peer = p
	return !c.released
}

// currentPeer is the conn's participant, nil while waiting in the lobby.
func (c *conn) currentPeer() *peer {
	c.peerMu.Lock()
	defer c.peerMu.Unlock()
	return c.peer
}

func (c *conn) writeLoop() {
	defer c.srv.wg.Done()
	var batch []outMsg
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.q.ready:
		}
		batch = c.q.take(batch)
		for _, m := range batch {
			if !c.write(m) {
				return
			}
		}
	}
}

// write sends one message; false ends the loop.
func (c *conn) write(m outMsg) bool {
	b, err := protocol.Encode(m.typ, m.reqID, m.data)
	if err != nil {
		c.log.Error("cannot encode message", "type", m.typ, "err", err)
		return true
	}
	ctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
	err = c.ws.Write(ctx, websocket.MessageText, b)
	cancel()
	if err != nil {
		c.end(fmt.Errorf("write %s: %w", m.typ, err))
		return false
	}
	c.srv.metrics.messagesOut.Inc()
	if m.dropAfter != nil {
		// A close handshake rather than a cut: the client's unread messages are
		// drained, so its kernel does not reset the connection before it read the
		// error. The reader is idle by then, so Close can read.
		_ = c.ws.Close(websocket.StatusPolicyViolation, m.dropAfter.Error())
		c.end(m.dropAfter)
		return false
	}
	if m.final {
		c.finished.Store(true)
		reason := ""
		if ce, ok := m.data.(protocol.CloseEvent); ok {
			reason = string(ce.Reason)
		}
		// Close waits for the client's close frame (bounded by the library).
		_ = c.ws.Close(websocket.StatusNormalClosure, reason)
		c.end(errSessionClosed)
		return false
	}
	return true
}

func (c *conn) readLoop() {
	defer c.srv.wg.Done()
	defer c.release()
	silence := time.Duration(pingTimeouts) * c.srv.cfg.PingInterval
	for {
		ctx, cancel := context.WithTimeout(c.ctx, silence)
		typ, b, err := c.ws.Read(ctx)
		timedOut := ctx.Err() == context.DeadlineExceeded
		cancel()
		if err != nil {
			switch {
			case c.ctx.Err() != nil:
			case timedOut:
				c.log.Info("client silent, treating as a dropped connection", "silence", silence)
				c.end(ErrPingTimeout)
			default:
				c.end(fmt.Errorf("read: %w", err))
			}
			return
		}
		c.srv.metrics.messagesIn.Inc()
		if !c.limiter.allow(time.Now()) {
			c.log.Warn("client over the message rate limit, dropping the connection", "limit", c.srv.cfg.RateLimit)
			c.srv.metrics.requestErrors.WithLabelValues(protocol.CodeRateLimited).Inc()
			c.send(outMsg{typ: protocol.TypeError, dropAfter: ErrRateLimited, data: protocol.ErrorMessage{
				Code:    protocol.CodeRateLimited,
				Message: fmt.Sprintf("more than %.0f messages per second; connection dropped", c.srv.cfg.RateLimit),
			}})
			// The writer drops the connection once the error is out; wait for it,
			// but not for long.
			select {
			case <-c.ctx.Done():
			case <-time.After(time.Second):
				c.end(ErrRateLimited)
			}
			return
		}
		if typ != websocket.MessageText {
			c.sendError(0, protocol.CodeMalformedMessage, "binary messages are not part of the protocol; send JSON text")
			continue
		}
		msg, err := protocol.DecodeClient(b)
		if err != nil {
			var de *protocol.DecodeError
			if errors.As(err, &de) {
				c.sendError(de.ReqID, de.Code, de.Message)
			} else {
				c.sendError(0, protocol.CodeMalformedMessage, err.Error())
			}
			continue
		}
		if p := c.currentPeer(); p != nil {
			p.handle(c, msg)
		} else {
			c.handleWaiting(msg)
		}
	}
}

// tokenBucket is a plain rate limiter, used by one goroutine.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newTokenBucket(rate float64, burst int) tokenBucket {
	return tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst)}
}

func (b *tokenBucket) allow(now time.Time) bool {
	if !b.last.IsZero() {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
