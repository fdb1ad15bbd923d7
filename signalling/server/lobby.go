package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/coder/websocket"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/lobby"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// errServerClosing ends the lobby wait of guests when the server closes or its
// drain deadline passes.
var errServerClosing = errors.New("server: closing")

// errRoomMoving ends the lobby wait of guests when this node hands its rooms to
// others (Evacuate): they are told room_moved and knock again on the room's
// next host.
var errRoomMoving = errors.New("server: rooms moving to another node")

// mustKnock says whether the joiner waits in the lobby: the room's record has its
// lobby on, the server has a lobby, and the joiner is neither a room admin nor a
// hidden participant (a recorder is no guest) nor let in beforehand (skip_lobby:
// a phone a room admin had the SIP bridge call).
func (s *Server) mustKnock(rec *store.Room, claims *auth.Claims) bool {
	g := claims.Grants
	return rec != nil && rec.Lobby && s.cfg.Lobby != nil && !g.RoomAdmin && !g.Hidden && !g.SkipLobby
}

// joinThroughLobby upgrades the guest's WebSocket at once, tells it lobby_waiting,
// and waits for a room admin's decision while the conn's loops keep the connection
// alive (pings are answered). Admitted, the guest joins as any participant: the join
// message comes first, then the room's events. Otherwise the session ends with a
// close reason (lobby_refused, room_deleted, server_shutdown, duplicate_identity) or
// an error (lobby_full, room_full, server_draining).
//
// It runs on the HTTP handler's goroutine, which owns the guest's admission; the
// conn's read goroutine only answers pings and records a leave meanwhile.
func (s *Server) joinThroughLobby(w http.ResponseWriter, r *http.Request, claims *auth.Claims, roomName string,
	rec *store.Room, params sfu.JoinParams, log *slog.Logger) {
	if !s.goAdd(1) { // Close waits for this goroutine too
		s.refuse(w, r, &httpError{http.StatusServiceUnavailable, protocol.CodeServerDraining, "the server is shutting down and takes no new joins"})
		return
	}
	defer s.wg.Done()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		log.Info("websocket upgrade failed", "err", err)
		return
	}
	c := s.newConn(log)
	kctx, cancelKnock := context.WithCancelCause(c.ctx)
	defer cancelKnock(nil)
	s.mu.Lock() // endLobbyWaits reads it under s.mu
	c.cancelKnock = cancelKnock
	s.mu.Unlock()
	c.send(outMsg{typ: protocol.TypeLobbyWaiting, data: protocol.LobbyWaitingEvent{
		Room: roomName, Identity: params.Identity, Name: params.Name, PingIntervalMS: s.cfg.PingInterval.Milliseconds(),
	}})
	s.sendDrainingNotice(c)
	c.start(ws)
	s.metrics.lobbyKnocks.Inc()
	log.Info("guest waits in the lobby")

	d, err := s.cfg.Lobby.Knock(kctx, roomName, params.Identity, params.Name)
	switch {
	case c.ctx.Err() != nil:
		log.Info("guest left the lobby", "cause", context.Cause(c.ctx))
		return
	case c.leftLobby():
		c.finish(vocab.ReasonClientLeft)
		return
	case errors.Is(context.Cause(kctx), errRoomMoving):
		c.finish(vocab.ReasonRoomMoved)
		return
	case errors.Is(err, lobby.ErrClosed), errors.Is(context.Cause(kctx), errServerClosing):
		c.finish(vocab.ReasonServerShutdown)
		return
	case errors.Is(err, lobby.ErrRoomClosed):
		c.finish(vocab.ReasonRoomDeleted)
		return
	case errors.Is(err, lobby.ErrReplaced):
		c.finish(vocab.ReasonDuplicateIdentity)
		return
	case errors.Is(err, lobby.ErrLobbyFull):
		c.fail(protocol.CodeLobbyFull, "too many guests are waiting in this room's lobby; try again later")
		return
	case err != nil:
		log.Error("lobby wait failed", "err", err)
		c.fail(protocol.CodeInternal, "the lobby failed: internal error")
		return
	case d == lobby.Refused:
		log.Info("guest refused in the lobby")
		c.finish(vocab.ReasonLobbyRefused)
		return
	}

	// Admitted, also for a later join of this identity (a room moved to another
	// node). The sfu's events wait in sink until the join message is queued.
	s.rememberAdmission(roomName, params.Identity, log)
	sink := &heldSink{c: c}
	params.Sink = sink
	room, part, err := s.joinRoom(roomName, rec, params)
	if err != nil {
		e := refusal(err)
		log.Info("admitted guest cannot join", "code", e.Code, "message", e.Message)
		c.fail(e.Code, e.Message)
		return
	}
	log = log.With("sid", part.SID())
	p := &peer{srv: s, part: part, room: room, roomName: roomName, identity: params.Identity, sid: part.SID(), log: log}
	if !p.attach(c, claims) {
		// The guest went away while being let in: it never saw the join.
		part.Close(vocab.ReasonClientLeft)
		return
	}
	s.addPeer(p)
	c.send(outMsg{typ: protocol.TypeJoin, data: s.joinResponse(room, part)})
	sink.open()
	s.metrics.joins.Inc()
	log.Info("guest admitted and joined", "auto_subscribe", params.AutoSubscribe)
	if c.leftLobby() { // leave sent while the join was being made
		part.Close(vocab.ReasonClientLeft)
	}
}

// handleWaiting serves a guest's message while it waits in the lobby: ping and
// leave; anything else is refused until the guest is admitted.
func (c *conn) handleWaiting(msg protocol.ClientMessage) {
	switch msg.Type {
	case protocol.TypePing:
		c.send(outMsg{typ: protocol.TypePong, reqID: msg.ReqID, data: msg.Body})
	case protocol.TypeLeave:
		c.peerMu.Lock()
		p := c.peer
		if p == nil {
			c.leaveRequested = true
		}
		c.peerMu.Unlock()
		if p != nil { // admitted meanwhile: an ordinary leave
			p.handle(c, msg)
			return
		}
		c.ack(msg.ReqID)
		if c.cancelKnock != nil {
			c.cancelKnock(context.Canceled)
		}
	default:
		c.sendError(msg.ReqID, protocol.CodeNotAdmitted,
			fmt.Sprintf("%s: you are waiting in the lobby; only ping and leave are served until a room admin lets you in", msg.Type))
	}
}

// leftLobby reports whether the guest sent leave before it had a participant.
func (c *conn) leftLobby() bool {
	c.peerMu.Lock()
	defer c.peerMu.Unlock()
	return c.leaveRequested
}

// finish ends a session that has no participant (yet) with a close message.
func (c *conn) finish(reason vocab.CloseReason) {
	c.send(outMsg{typ: protocol.TypeClose, data: protocol.CloseEvent{Reason: reason, Message: closeMessage(reason)}, final: true})
}

// fail ends a session that has no participant with an error message.
func (c *conn) fail(code, message string) {
	c.srv.metrics.requestErrors.WithLabelValues(code).Inc()
	c.send(outMsg{typ: protocol.TypeError, data: protocol.ErrorMessage{Code: code, Message: message}, final: true})
}

// endLobbyWaits ends the lobby wait of every guest, for cause (errServerClosing:
// told server_shutdown; errRoomMoving: told room_moved).
func (s *Server) endLobbyWaits(cause error) {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		if c.cancelKnock != nil {
			conns = append(conns, c)
		}
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.cancelKnock(cause)
	}
}

// subscribeLobby lets a room admin's conn hear the lobby of its room (lobby_knock
// for every guest waiting now and later, lobby_left when one stops waiting) and
// decide. Called before the conn starts; release ends the subscription. A resumed
// session subscribes again and so hears the whole queue again.
func (s *Server) subscribeLobby(c *conn, room string, claims *auth.Claims) {
	c.roomAdmin = claims.Grants.RoomAdmin
	if s.cfg.Lobby == nil || !c.roomAdmin {
		return
	}
	c.stopLobby = s.cfg.Lobby.Subscribe(room, func(ev lobby.Event) {
		if m, ok := lobbyMessage(ev); ok {
			c.send(m)
		}
	})
}

func lobbyMessage(ev lobby.Event) (outMsg, bool) {
	g := protocol.LobbyGuest{Identity: ev.Guest.Identity, Name: ev.Guest.Name, Since: ev.Guest.Since.UTC()}
	switch ev.Type {
	case lobby.EventKnock:
		return outMsg{typ: protocol.TypeLobbyKnock, data: protocol.LobbyGuestEvent{Guest: g}}, true
	case lobby.EventLeft:
		return outMsg{typ: protocol.TypeLobbyLeft, data: protocol.LobbyGuestEvent{Guest: g, Reason: ev.Reason}}, true
	}
	return outMsg{}, false
}

// decideLobby serves lobby_admit and lobby_refuse from a room admin.
func (p *peer) decideLobby(c *conn, id uint32, typ string, req protocol.LobbyDecisionRequest) {
	if !c.roomAdmin {
		c.sendError(id, protocol.CodePermissionDenied, `your token lacks the "room_admin" grant (needed to admit or refuse guests)`)
		return
	}
	l := p.srv.cfg.Lobby
	if l == nil {
		c.sendError(id, protocol.CodeGuestNotWaiting, "this server has no lobby")
		return
	}
	decide := l.Admit
	if typ == protocol.TypeLobbyRefuse {
		decide = l.Refuse
	}
	if err := decide(p.roomName, req.Identity); err != nil {
		if errors.Is(err, lobby.ErrNotWaiting) {
			c.sendError(id, protocol.CodeGuestNotWaiting,
				fmt.Sprintf("%s: no guest %q is waiting in the lobby of room %q", typ, req.Identity, p.roomName))
			return
		}
		p.fail(c, id, typ, err)
		return
	}
	p.log.Info("lobby decision", "guest", req.Identity, "decision", typ)
	c.ack(id)
}

// heldSink holds an admitted guest's sfu events until its join message is queued,
// so that the join comes first even though the guest's conn runs already.
type heldSink struct {
	c *conn

	mu     sync.Mutex
	held   []sfu.Event
	opened bool
}

var _ sfu.EventSink = (*heldSink)(nil)

func (h *heldSink) Send(ev sfu.Event) {
	h.mu.Lock()
	if !h.opened {
		h.held = append(h.held, ev)
		h.mu.Unlock()
		return
	}
	h.mu.Unlock()
	h.c.Send(ev)
}

// open passes the held events on, in order, and every later one at once.
func (h *heldSink) open() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ev := range h.held {
		h.c.Send(ev)
	}
	h.held = nil
	h.opened = true
}
