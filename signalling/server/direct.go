package server

import (
	"context"
	"net/http"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// JoinDirect admits a participant that reaches the room through another front
// door than /rtc (WHIP, WHEP): the same checks as a join at /rtc (the server is
// not draining, the room record's cap), then the sfu join. The caller has
// checked the token (claims.CheckJoin) and owns the participant: it closes it.
// A room whose record has the lobby on admits nobody this way but room admins,
// hidden participants and holders of skip_lobby, since there is nobody to wait
// in the lobby.
//
// A refusal is an error whose HTTP status, code and message Refusal gives.
func (s *Server) JoinDirect(ctx context.Context, claims *auth.Claims, params sfu.JoinParams) (*sfu.Participant, error) {
	s.mu.Lock()
	draining := s.draining || s.closed
	s.mu.Unlock()
	if draining {
		return nil, &httpError{http.StatusServiceUnavailable, protocol.CodeServerDraining, "the server is shutting down and takes no new joins"}
	}
	rec, err := s.roomRecord(ctx, claims.Room)
	if err == nil {
		err = s.checkAdmission(rec, claims.Room, claims)
	}
	if err != nil {
		return nil, err
	}
	if s.mustKnock(rec, claims) {
		return nil, &httpError{http.StatusForbidden, protocol.CodePermissionDenied, "the room has its lobby on; only a room admin may enter it without knocking over /rtc"}
	}
	_, part, err := s.joinRoom(claims.Room, rec, params)
	if err != nil {
		return nil, err
	}
	return part, nil
}

// Refusal gives the HTTP status, the error code (protocol.Code…, auth.Code…) and
// the message of an error returned by JoinDirect or the token checks; anything
// else is 500 internal.
func Refusal(err error) (status int, code, message string) {
	e := refusal(err)
	return e.Status, e.Code, e.Message
}
