package store_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// A failure between the meeting's writes and its room's (the crash the old
// two-transaction code could not survive) leaves nothing behind: no meeting, no
// index, no room, and the idempotency key is free for the retry.
func TestMeetingCreationFailingBeforeItsRoomLeavesNothing(t *testing.T) {
	ctx := t.Context()
	s, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := newTestMeeting(t, "client:key-1")
	crash := errors.New("power cut")
	store.FailAfterMeetingWriteForTest(s, crash)
	if _, _, err := s.CreateMeeting(ctx, m, store.Room{Lobby: true}); !errors.Is(err, crash) {
		t.Fatalf("CreateMeeting = %v, want the injected failure", err)
	}
	if ms, err := s.ListMeetings(ctx); err != nil || len(ms) != 0 {
		t.Fatalf("meetings after the failure: %v, %v", ms, err)
	}
	if _, err := s.GetRoom(ctx, m.Room); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("room after the failure: %v", err)
	}
	store.FailAfterMeetingWriteForTest(s, nil)
	stored, created, err := s.CreateMeeting(ctx, m, store.Room{Lobby: true})
	if err != nil || !created {
		t.Fatalf("retry: %v created=%v", err, created)
	}
	room, err := s.GetRoom(ctx, stored.Room)
	if err != nil || !room.Lobby || room.GuestPolicy != store.GuestAllow {
		t.Fatalf("room after the retry: %+v, %v", room, err)
	}
}

// An existing room (a recurring team room) keeps its record when a meeting is
// scheduled in it.
func TestMeetingInExistingRoomKeepsItsRecord(t *testing.T) {
	ctx := t.Context()
	s, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := newTestMeeting(t, "")
	if _, err := s.CreateRoom(ctx, store.Room{Name: m.Room, SID: "RM_team", GuestPolicy: store.GuestDeny, Metadata: "team"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateMeeting(ctx, m, store.Room{GuestPolicy: store.GuestAllow}); err != nil {
		t.Fatal(err)
	}
	room, err := s.GetRoom(ctx, m.Room)
	if err != nil || room.SID != "RM_team" || room.GuestPolicy != store.GuestDeny || room.Metadata != "team" {
		t.Fatalf("team room became %+v, %v", room, err)
	}
	if _, _, err := s.CreateMeeting(ctx, newTestMeeting(t, ""), store.Room{Name: "another-room"}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("a room record for another room: %v, want ErrInvalid", err)
	}
}

// Orphans written by older versions (a meeting whose room record is missing) get
// their room back at start; cancelled meetings do not.
func TestRepairMeetingRooms(t *testing.T) {
	ctx := t.Context()
	s, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	orphan := newTestMeeting(t, "")
	if _, _, err := s.CreateMeeting(ctx, orphan, store.Room{}); err != nil {
		t.Fatal(err)
	}
	cancelled := newTestMeeting(t, "")
	if _, _, err := s.CreateMeeting(ctx, cancelled, store.Room{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateMeeting(ctx, cancelled.ID, func(m *meeting.Meeting) error { return m.Cancel(m.CreatedAt) }); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{orphan.Room, cancelled.Room} {
		if err := s.DeleteRoom(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	repaired, err := store.RepairMeetingRooms(ctx, s)
	if err != nil || len(repaired) != 1 || repaired[0] != orphan.Room {
		t.Fatalf("repaired %v, %v; want [%s]", repaired, err, orphan.Room)
	}
	if room, err := s.GetRoom(ctx, orphan.Room); err != nil || room.GuestPolicy != store.GuestAllow || room.SID == "" {
		t.Fatalf("repaired room %+v, %v", room, err)
	}
	if again, err := store.RepairMeetingRooms(ctx, s); err != nil || len(again) != 0 {
		t.Fatalf("second repair: %v, %v", again, err)
	}
}

func newTestMeeting(t *testing.T, idemKey string) *meeting.Meeting {
	t.Helper()
	m, err := meeting.New(meeting.Input{Title: "Sync", Start: "2026-12-01T10:00", End: "2026-12-01T11:00", TimeZone: "Europe/Paris"},
		idemKey, time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("meeting.New: %v", err)
	}
	return m
}
