package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

func openBolt(t *testing.T, path string) *store.BoltStore {
	t.Helper()
	s, err := store.OpenBolt(path)
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	return s
}

func TestBolt(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openBolt(t, filepath.Join(t.TempDir(), "ensemble.db"))
	})
}

func TestBoltKeepsEverythingAcrossRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	path := filepath.Join(t.TempDir(), "ensemble.db")

	s := openBolt(t, path)
	room := store.Room{Name: "standup", SID: "RM_1", CreatedAt: time.Unix(1_790_000_000, 0).UTC(), GuestPolicy: store.GuestAllow}
	if err := s.PutRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	m, err := meeting.New(meeting.Input{Title: "Sync", Start: "2026-12-01T10:00", End: "2026-12-01T11:00",
		TimeZone: "Europe/Paris"}, "client:k", time.Unix(1_790_000_000, 0))
	if err != nil {
		t.Fatal(err)
	}
	created, _, err := s.CreateMeeting(ctx, m, store.Room{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRoom(ctx, "standup"); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("GetRoom after Close: err = %v, want ErrClosed", err)
	}

	s = openBolt(t, path)
	defer s.Close()
	gotRoom, err := s.GetRoom(ctx, "standup")
	if err != nil || gotRoom.SID != "RM_1" || !gotRoom.CreatedAt.Equal(room.CreatedAt) {
		t.Fatalf("room after restart = %+v, %v", gotRoom, err)
	}
	got, err := s.GetMeeting(ctx, m.ID)
	if err != nil || got.Title != "Sync" || got.SIPID != created.SIPID || !got.Start.Equal(m.Start) {
		t.Fatalf("meeting after restart = %+v, %v", got, err)
	}
	if bySIP, err := s.GetMeetingBySIPID(ctx, created.SIPID); err != nil || bySIP.ID != m.ID {
		t.Fatalf("SIP index after restart = %v, %v", bySIP, err)
	}
	replay, isNew, err := s.CreateMeeting(ctx, m, store.Room{})
	if err != nil || isNew || replay.ID != m.ID {
		t.Fatalf("idempotency key after restart: %v, created=%v, %v", replay, isNew, err)
	}
}

func TestBoltSecondOpenOfSameFileFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ensemble.db")
	s := openBolt(t, path)
	defer s.Close()
	if _, err := store.OpenBolt(path); err == nil {
		t.Fatal("second OpenBolt of a locked file succeeded")
	}
}

func TestBoltRefusesNewerFormat(t *testing.T) {
	// A value written by a future version must be refused, not half-read.
	path := filepath.Join(t.TempDir(), "ensemble.db")
	s := openBolt(t, path)
	defer s.Close()
	if err := store.WriteRawForTest(s, "rooms", "future", []byte(`{"v":2,"room":{"name":"future"}}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRoom(context.Background(), "future"); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}
