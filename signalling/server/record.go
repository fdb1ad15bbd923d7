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

// checkRecordCapacity refuses a join, before the upgrade, when the room's record
// caps it and the live room has reached the cap. joinCapped checks again at the join
// itself; this early check lets a full room answer 403 without a lobby wait.
func (s *Server) checkRecordCapacity(rec *store.Room, room string, claims *auth.Claims) error {
	if !capped(rec, claims.Grants.Hidden) {
		return nil
	}
	live, ok := s.cfg.Engine.Room(room)
	if !ok {
		return nil
	}
	if visibleCount(live, claims.Identity()) >= rec.MaxParticipants {
		return roomFull(rec.MaxParticipants)
	}
	return nil
}

// joinCapped joins room, holding a room capped by its record to max_participants.
// Hidden participants (recorders, bridges) neither count nor are refused: a full
// meeting can still be recorded.
func (s *Server) joinCapped(room *sfu.Room, rec *store.Room, params sfu.JoinParams) (*sfu.Participant, error) {
	if !capped(rec, params.Permissions.Hidden) {
		return room.Join(params)
	}
	s.capMu.Lock()
	defer s.capMu.Unlock()
	if visibleCount(room, params.Identity) >= rec.MaxParticipants {
		return nil, roomFull(rec.MaxParticipants)
	}
	return room.Join(params)
}

func capped(rec *store.Room, hidden bool) bool {
	return rec != nil && rec.MaxParticipants > 0 && !hidden
}

// visibleCount counts the room's visible participants but identity (who would be
// replaced by the join).
func visibleCount(room *sfu.Room, identity string) int {
	n := 0
	for _, p := range room.Participants() {
		if !p.Hidden && p.Identity != identity {
			n++
		}
	}
	return n
}

func roomFull(maxP int) error {
	return &httpError{http.StatusForbidden, protocol.CodeRoomFull, fmt.Sprintf("the room is full (%d participants at most)", maxP)}
}
