package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/ensemble-sfu/ensemble/signalling/meeting"
)

// RepairMeetingRooms gives every scheduled meeting whose room has no record a room
// again, with the defaults a meeting's room has (guests allowed), and returns the
// rooms it created. CreateMeeting writes both in one transaction, so such orphans
// come only from files written by older versions, which wrote them one after the
// other, or from a room deleted through the API while a meeting still uses it: a
// meeting's join link must lead somewhere, so cancel the meeting to retire its room.
// The server runs it at start and logs what it repaired.
func RepairMeetingRooms(ctx context.Context, s Store) ([]string, error) {
	meetings, err := s.ListMeetings(ctx)
	if err != nil {
		return nil, fmt.Errorf("repair meeting rooms: %w", err)
	}
	var repaired []string
	seen := map[string]bool{}
	for _, m := range meetings {
		if m.Status == meeting.StatusCancelled || seen[m.Room] {
			continue
		}
		seen[m.Room] = true
		_, err := s.GetRoom(ctx, m.Room)
		if err == nil {
			continue
		}
		if !errors.Is(err, ErrNotFound) {
			return repaired, fmt.Errorf("repair meeting rooms: %w", err)
		}
		rec := Room{Name: m.Room, SID: newRepairSID(), CreatedAt: m.CreatedAt, GuestPolicy: GuestAllow}
		if _, err := s.CreateRoom(ctx, rec); err != nil && !errors.Is(err, ErrConflict) {
			return repaired, fmt.Errorf("repair room %s of meeting %s: %w", m.Room, m.ID, err)
		}
		repaired = append(repaired, m.Room)
	}
	return repaired, nil
}

func newRepairSID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "RM_" + hex.EncodeToString(b[:])
}
