package server

import (
	"fmt"
	"net/http"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// preflight answers a plain GET of /rtc (no upgrade) with what the upgrade would meet,
// changing nothing: a browser cannot read why a WebSocket handshake failed, so the
// meeting app repeats the request with fetch to tell its user (a full room, a server
// shutting down, a session that can no longer resume). When the upgrade would be
// accepted, the answer is 426 Upgrade Required.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request, claims *auth.Claims, room string) {
	if s.Draining() {
		s.refuse(w, r, &httpError{http.StatusServiceUnavailable, protocol.CodeServerDraining, "the server is shutting down and takes no new joins"})
		return
	}
	if sid := r.URL.Query().Get("resume"); sid != "" {
		s.mu.Lock()
		p := s.peers[sid]
		s.mu.Unlock()
		if p == nil || p.roomName != room || p.identity != claims.Identity() {
			s.refuse(w, r, &httpError{http.StatusGone, protocol.CodeResumeUnavailable,
				fmt.Sprintf("no participant %q of %q to resume in room %q; join again without resume", sid, claims.Identity(), room)})
			return
		}
	} else if err := s.checkCapacity(r, claims, room); err != nil {
		s.refuse(w, r, err)
		return
	}
	s.refuse(w, r, &httpError{http.StatusUpgradeRequired, protocol.CodeBadRequest,
		"the token is accepted; /rtc takes a WebSocket upgrade (GET with Upgrade: websocket)"})
}

// checkCapacity tells whether a join would find the room full, by the room's one
// capacity rule (its record's cap and the server's per-room limit).
func (s *Server) checkCapacity(r *http.Request, claims *auth.Claims, room string) error {
	rec, err := s.roomRecord(r.Context(), room)
	if err != nil {
		return err
	}
	return s.checkAdmission(rec, room, claims)
}
