package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// storeTimeout bounds the room record lookup of a join: a slow store must not hold
// joins for long.
const storeTimeout = 5 * time.Second

// roomRecord is the stored record of room, or nil when there is none (a room that
// exists only while people are in it) or no store is configured. A store failure
// refuses the join: without the record we cannot tell whether the room has a lobby,
// and letting a guest past a lobby is worse than a retry.
func (s *Server) roomRecord(ctx context.Context, room string) (*store.Room, error) {
	if s.cfg.Store == nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	rec, err := s.cfg.Store.GetRoom(ctx, room)
	switch {
	case err == nil:
		return &rec, nil
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	}
	s.log.Error("room record lookup failed, refusing the join", "room", room, "err", err)
	return nil, &httpError{http.StatusServiceUnavailable, protocol.CodeInternal, "the room's record cannot be read now; retry shortly"}
}

// applyRecord gives a live room what its stored record says: metadata (when the
// room has none yet, so that its first participant already sees it), the empty
// timeout and the cap. Applied at every join, so that a changed record counts
// from the next join on.
func applyRecord(room *sfu.Room, rec *store.Room) {
	if rec == nil {
		return
	}
	if rec.Metadata != "" && room.Info().Metadata == "" {
		room.SetMetadata(rec.Metadata)
	}
	room.SetEmptyTimeout(time.Duration(rec.EmptyTimeoutSeconds) * time.Second)
	room.SetMaxParticipants(rec.MaxParticipants)
}

// checkAdmission refuses a join, before the upgrade, that the live room would
// refuse now (full, by the room's one capacity rule: see sfu.Room.CheckAdmission).
// The join itself decides again; this early answer lets a full room say 403
// without a lobby wait. A room nobody is in takes anyone.
func (s *Server) checkAdmission(rec *store.Room, room string, claims *auth.Claims) error {
	if s.cfg.Overload != nil {
		if err := s.cfg.Overload(); err != nil {
			return &httpError{http.StatusServiceUnavailable, protocol.CodeServerOverloaded,
				"this node takes no new joins for now (" + err.Error() + "); retry later"}
		}
	}
	live, ok := s.cfg.Engine.Room(room)
	if !ok {
		return joinRefusal(s.cfg.Engine.CheckNewRoom())
	}
	applyRecord(live, rec)
	err := live.CheckAdmission(claims.Kind, claims.Identity(), claims.Grants.Permissions())
	if errors.Is(err, sfu.ErrRoomClosed) {
		return nil // closing for being empty: the join takes a new room
	}
	return joinRefusal(err)
}

// overloadRetryAfter is the Retry-After of server_overloaded (loadguard.RetryAfter).
const overloadRetryAfter = "10"

func roomFull(maxP int) error {
	return &httpError{http.StatusForbidden, protocol.CodeRoomFull, fmt.Sprintf("the room is full (%d participants at most)", maxP)}
}
