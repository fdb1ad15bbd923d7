package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/coder/websocket"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// serveRTC admits a client at /rtc. Everything that can be refused is refused
// before the WebSocket upgrade, as an HTTP status with a JSON body, so clients and
// browsers see why (a failed WebSocket handshake hides the reason from scripts).
func (s *Server) serveRTC(w http.ResponseWriter, r *http.Request) {
	claims, room, err := s.checkRequest(r)
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	if !isUpgrade(r) {
		s.preflight(w, r, claims, room)
		return
	}
	if err := checkHandshake(r); err != nil {
		s.refuse(w, r, err)
		return
	}
	log := s.log.With("room", room, "participant", claims.Identity())
	if sid := r.URL.Query().Get("resume"); sid != "" {
		s.resume(w, r, claims, room, sid, log)
		return
	}
	s.join(w, r, claims, room, log)
}

// checkRequest checks everything but the room's capacity and the server's state:
// protocol version, token, room and join grant.
func (s *Server) checkRequest(r *http.Request) (*auth.Claims, string, error) {
	q := r.URL.Query()
	if v := q.Get("protocol"); v != "" && v != strconv.Itoa(protocol.Version) {
		return nil, "", &httpError{http.StatusBadRequest, protocol.CodeUnsupportedProtocol,
			fmt.Sprintf("protocol version %q is not supported; this server speaks %d", v, protocol.Version)}
	}
	claims, err := s.cfg.Verifier.Verify(token(r))
	if err != nil {
		return nil, "", err
	}
	// The room query parameter, when given, only confirms the token's room: a
	// token joins the room it names and no other.
	if err := claims.CheckJoin(q.Get("room")); err != nil {
		return nil, "", err
	}
	room := claims.Room
	if v := q.Get("auto_subscribe"); v != "" {
		if _, err := strconv.ParseBool(v); err != nil {
			return nil, "", &httpError{http.StatusBadRequest, protocol.CodeBadRequest, "auto_subscribe must be true or false"}
		}
	}
	if _, err := videoCodecs(r); err != nil {
		return nil, "", err
	}
	return claims, room, nil
}

// videoCodecs reads the video_codecs parameter: the video codecs the client
// decodes, nil (every codec) when it is absent.
func videoCodecs(r *http.Request) ([]string, error) {
	q := r.URL.Query()
	if !q.Has("video_codecs") {
		return nil, nil
	}
	codecs, err := protocol.ParseVideoCodecs(q.Get("video_codecs"))
	if err != nil {
		var de *protocol.DecodeError
		msg := err.Error()
		if errors.As(err, &de) {
			msg = de.Message
		}
		return nil, &httpError{http.StatusBadRequest, protocol.CodeBadRequest, msg}
	}
	return codecs, nil
}

// token is the access token of r: the access_token query parameter, else the
// Authorization bearer (browsers cannot set headers on a WebSocket).
func token(r *http.Request) string {
	if t := r.URL.Query().Get("access_token"); t != "" {
		return t
	}
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

func isUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet &&
		strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		headerHasToken(r.Header.Get("Connection"), "upgrade")
}

func headerHasToken(v, tok string) bool {
	for _, part := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(part), tok) {
			return true
		}
	}
	return false
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error) {
	e := refusal(err)
	s.metrics.refusals.WithLabelValues(e.Code).Inc()
	s.log.Info("refused /rtc", "code", e.Code, "status", e.Status, "remote", r.RemoteAddr, "message", e.Message)
	writeJSONError(w, e)
}

// join adds a new participant to the room, then upgrades.
func (s *Server) join(w http.ResponseWriter, r *http.Request, claims *auth.Claims, roomName string, log *slog.Logger) {
	s.mu.Lock()
	draining := s.draining
	s.mu.Unlock()
	if draining {
		s.refuse(w, r, &httpError{http.StatusServiceUnavailable, protocol.CodeServerDraining, "the server is shutting down and takes no new joins"})
		return
	}
	autoSubscribe := true
	if v := r.URL.Query().Get("auto_subscribe"); v != "" {
		autoSubscribe, _ = strconv.ParseBool(v)
	}
	rec, err := s.roomRecord(r.Context(), roomName)
	if err == nil {
		err = s.checkAdmission(rec, roomName, claims)
	}
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	codecs, _ := videoCodecs(r) // checked by checkRequest
	params := sfu.JoinParams{
		Identity: claims.Identity(), Name: claims.Name, Metadata: claims.Metadata, Kind: claims.Kind,
		Permissions: claims.Grants.Permissions(), AutoSubscribe: autoSubscribe, VideoCodecs: codecs,
	}
	if s.mustKnock(rec, claims) && !s.admittedBefore(r.Context(), roomName, claims.Identity(), log) {
		s.joinThroughLobby(w, r, claims, roomName, rec, params, log)
		return
	}
	c := s.newConn(log)
	params.Sink = c
	room, part, err := s.joinRoom(roomName, rec, params)
	if err != nil {
		c.release()
		s.refuse(w, r, err)
		return
	}
	log = log.With("sid", part.SID())
	c.log = log
	p := &peer{srv: s, part: part, room: room, roomName: roomName, identity: claims.Identity(), sid: part.SID(), log: log}
	p.attach(c, claims)
	s.addPeer(p)

	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		// Accept already answered. The client never saw the session: leave at once.
		log.Info("websocket upgrade failed", "err", err)
		part.Close(vocab.ReasonTransportFailure)
		c.release()
		return
	}
	c.q.pushFront(outMsg{typ: protocol.TypeJoin, data: s.joinResponse(room, part)})
	s.sendDrainingNotice(c)
	s.subscribeLobby(c, roomName, claims)
	s.metrics.joins.Inc()
	log.Info("participant joined", "auto_subscribe", autoSubscribe)
	c.start(ws)
}

// joinRoom joins the room, with what its record (rec, may be nil) says applied.
// The room decides admission and its own closing under one lock, so a join is
// either in before an empty room decides to close (and the room stays) or refused
// with ErrRoomClosed; then the engine already gives the name a new room, and one
// more attempt joins that. A second ErrRoomClosed means an administrator deleted
// the new room too: refused.
func (s *Server) joinRoom(name string, rec *store.Room, params sfu.JoinParams) (*sfu.Room, *sfu.Participant, error) {
	for attempt := 0; ; attempt++ {
		room, err := s.cfg.Engine.GetOrCreateRoom(name)
		if err != nil {
			return nil, nil, joinRefusal(err)
		}
		applyRecord(room, rec)
		part, err := room.Join(params)
		if errors.Is(err, sfu.ErrRoomClosed) && attempt == 0 {
			continue
		}
		if err != nil {
			return nil, nil, joinRefusal(err)
		}
		return room, part, nil
	}
}

func joinRefusal(err error) error {
	var full *sfu.RoomFullError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &full):
		return roomFull(full.Max)
	case errors.Is(err, sfu.ErrRoomFull):
		return &httpError{http.StatusForbidden, protocol.CodeRoomFull, "the room is full"}
	case errors.Is(err, sfu.ErrTooManyRooms):
		return &httpError{http.StatusServiceUnavailable, protocol.CodeServerOverloaded,
			"this node hosts as many rooms as it may (" + err.Error() + "); retry later"}
	case errors.Is(err, sfu.ErrEngineClosed), errors.Is(err, sfu.ErrRoomClosed):
		return &httpError{http.StatusServiceUnavailable, protocol.CodeServerDraining, "the server is shutting down"}
	case errors.Is(err, sfu.ErrInvalidArgument):
		return &httpError{http.StatusBadRequest, protocol.CodeBadRequest, err.Error()}
	}
	return fmt.Errorf("join: %w", err)
}

// resume gives a dropped participant a new connection.
func (s *Server) resume(w http.ResponseWriter, r *http.Request, claims *auth.Claims, roomName, sid string, log *slog.Logger) {
	s.mu.Lock()
	p := s.peers[sid]
	s.mu.Unlock()
	unavailable := func(msg string) {
		s.refuse(w, r, &httpError{http.StatusGone, protocol.CodeResumeUnavailable, msg + "; join again without resume"})
	}
	switch {
	case p == nil:
		unavailable(fmt.Sprintf("no participant %q to resume (never existed, left, or its grace period passed)", sid))
		return
	case p.roomName != roomName || p.identity != claims.Identity():
		unavailable(fmt.Sprintf("participant %q is not %q in room %q", sid, claims.Identity(), roomName))
		return
	}
	log = log.With("sid", sid)
	c := s.newConn(log)
	if err := p.part.Resume(c); err != nil {
		c.release()
		if !errors.Is(err, sfu.ErrParticipantClosed) {
			// The sink may already be swapped and the media half restarted: a clean
			// fresh join is better than a participant in an unknown state.
			log.Warn("resume failed, closing the participant", "err", err)
			p.part.Close(vocab.ReasonTransportFailure)
		}
		unavailable(fmt.Sprintf("participant %q cannot resume: %v", sid, err))
		return
	}
	p.attach(c, claims)
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		log.Info("websocket upgrade failed on resume", "err", err)
		c.release() // back to the grace period
		return
	}
	c.q.pushFront(outMsg{typ: protocol.TypeResumed, data: s.joinResponse(p.room, p.part)})
	s.sendDrainingNotice(c)
	s.subscribeLobby(c, roomName, claims)
	s.metrics.resumes.Inc()
	log.Info("participant resumed")
	c.start(ws)
}

// joinResponse describes the room to the participant: itself and the others it may
// see (hidden participants are never listed).
func (s *Server) joinResponse(room *sfu.Room, part *sfu.Participant) protocol.JoinResponse {
	self := part.Info()
	others := []vocab.ParticipantInfo{}
	for _, o := range room.Participants() {
		if o.Hidden || o.SID == self.SID {
			continue
		}
		others = append(others, o)
	}
	return protocol.JoinResponse{
		Protocol:       protocol.Version,
		ServerVersion:  Version,
		Room:           protocol.FromRoom(room.Info()),
		Participant:    protocol.FromParticipant(self),
		Others:         protocol.FromParticipants(others),
		ICEServers:     s.iceServers(room.Name(), self.Identity),
		ResumeGraceMS:  s.cfg.ResumeGrace.Milliseconds(),
		PingIntervalMS: s.cfg.PingInterval.Milliseconds(),
	}
}

// iceServers are the configured ones and the participant's own (TURN credentials
// minted for it); [] rather than null when there are none.
func (s *Server) iceServers(room, identity string) []protocol.ICEServer {
	out := append([]protocol.ICEServer{}, s.cfg.ICEServers...)
	if s.cfg.ICEServersFor != nil {
		out = append(out, s.cfg.ICEServersFor(room, identity)...)
	}
	return out
}
