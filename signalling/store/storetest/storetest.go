package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// Open returns a fresh, empty store; the suite closes it.
type Open func(t *testing.T) store.Store

// Run runs the whole suite, each case on its own fresh store.
func Run(t *testing.T, open Open) {
	cases := []struct {
		name string
		fn   func(t *testing.T, ctx context.Context, s store.Store)
	}{
		{"RoomsPutGetListDelete", testRoomsCRUD},
		{"CreateRoomRefusesExisting", testCreateRoomConflict},
		{"RoomWithEmptyNameIsInvalid", testRoomInvalid},
		{"MeetingCreateAllocatesSIPID", testMeetingCreate},
		{"MeetingCreatesItsRoomInTheSameWrite", testMeetingCreatesRoom},
		{"MeetingIDAndSIPIDConflicts", testMeetingConflicts},
		{"IdempotencyKeyReplaysSameMeeting", testIdempotencyReplay},
		{"ConcurrentSameIdempotencyKeyMakesOneMeeting", testIdempotencyConcurrent},
		{"SIPIDsAreUnique", testSIPIDsUnique},
		{"UpdateMeetingAppliesAndPersists", testUpdateMeeting},
		{"UpdateMeetingRefusesImmutableChanges", testUpdateImmutable},
		{"ConcurrentUpdatesLoseNothing", testUpdateConcurrent},
		{"DeleteMeetingFreesIndexes", testDeleteMeeting},
		{"ListMeetingsSortedByStart", testListMeetings},
		{"CancelledContextFails", testCancelledContext},
		{"RevokedSessionsUntilTheyExpire", testRevokedSessions},
		{"RecordingsCreateGetUpdateList", testRecordings},
		{"ConcurrentRecordingClaimsHaveOneWinner", testRecordingClaim},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s := open(t)
			defer func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}()
			c.fn(t, ctx, s)
		})
	}
}

var baseTime = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

func sampleRoom(name string) store.Room {
	return store.Room{
		Name:                name,
		SID:                 "RM_" + name,
		CreatedAt:           baseTime,
		MaxParticipants:     10,
		EmptyTimeoutSeconds: 300,
		Metadata:            `{"topic":"x"}`,
		GuestPolicy:         store.GuestDeny,
		Lobby:               true,
	}
}

// newMeeting builds a valid meeting starting `day` days after baseTime.
func newMeeting(t *testing.T, title string, day int, idemKey string) *meeting.Meeting {
	t.Helper()
	start := baseTime.AddDate(0, 0, day)
	m, err := meeting.New(meeting.Input{
		Title:      title,
		Start:      start.Format(time.RFC3339),
		End:        start.Add(time.Hour).Format(time.RFC3339),
		TimeZone:   "Europe/Paris",
		Recurrence: "FREQ=WEEKLY;COUNT=4",
	}, idemKey, baseTime)
	if err != nil {
		t.Fatalf("meeting.New: %v", err)
	}
	return m
}

func checkSameRoom(t *testing.T, got, want store.Room) {
	t.Helper()
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("room %s CreatedAt = %v, want %v", want.Name, got.CreatedAt, want.CreatedAt)
	}
	got.CreatedAt = want.CreatedAt
	if got != want {
		t.Errorf("room = %+v, want %+v", got, want)
	}
}

func checkSameMeeting(t *testing.T, got, want *meeting.Meeting) {
	t.Helper()
	if got == nil {
		t.Fatalf("meeting is nil, want %s", want.ID)
	}
	g, w := *got, *want
	for _, p := range [][2]*time.Time{{&g.Start, &w.Start}, {&g.End, &w.End}, {&g.CreatedAt, &w.CreatedAt}, {&g.UpdatedAt, &w.UpdatedAt}} {
		if !p[0].Equal(*p[1]) {
			t.Errorf("meeting %s: time %v, want %v", want.ID, *p[0], *p[1])
		}
		*p[0] = *p[1]
	}
	if g != w {
		t.Errorf("meeting = %+v\nwant %+v", g, w)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testRoomsCRUD(t *testing.T, ctx context.Context, s store.Store) {
	_, err := s.GetRoom(ctx, "nope")
	wantErr(t, err, store.ErrNotFound)

	rooms, err := s.ListRooms(ctx)
	must(t, err)
	if len(rooms) != 0 {
		t.Fatalf("fresh store lists %d rooms", len(rooms))
	}

	b, a := sampleRoom("beta"), sampleRoom("alpha")
	must(t, s.PutRoom(ctx, b))
	must(t, s.PutRoom(ctx, a))
	got, err := s.GetRoom(ctx, "beta")
	must(t, err)
	checkSameRoom(t, got, b)

	b.Metadata, b.Lobby, b.GuestPolicy = "changed", false, store.GuestAllow
	must(t, s.PutRoom(ctx, b))
	got, err = s.GetRoom(ctx, "beta")
	must(t, err)
	checkSameRoom(t, got, b)

	rooms, err = s.ListRooms(ctx)
	must(t, err)
	if len(rooms) != 2 || rooms[0].Name != "alpha" || rooms[1].Name != "beta" {
		t.Fatalf("ListRooms = %+v, want alpha then beta", rooms)
	}

	must(t, s.DeleteRoom(ctx, "alpha"))
	wantErr(t, s.DeleteRoom(ctx, "alpha"), store.ErrNotFound)
	_, err = s.GetRoom(ctx, "alpha")
	wantErr(t, err, store.ErrNotFound)
}

func testCreateRoomConflict(t *testing.T, ctx context.Context, s store.Store) {
	first := sampleRoom("r")
	got, err := s.CreateRoom(ctx, first)
	must(t, err)
	checkSameRoom(t, got, first)

	second := sampleRoom("r")
	second.Metadata = "second"
	existing, err := s.CreateRoom(ctx, second)
	wantErr(t, err, store.ErrConflict)
	checkSameRoom(t, existing, first)
}

func testRoomInvalid(t *testing.T, ctx context.Context, s store.Store) {
	wantErr(t, s.PutRoom(ctx, store.Room{}), store.ErrInvalid)
	_, err := s.CreateRoom(ctx, store.Room{})
	wantErr(t, err, store.ErrInvalid)
}

func testMeetingCreate(t *testing.T, ctx context.Context, s store.Store) {
	m := newMeeting(t, "Planning", 1, "")
	stored, created, err := s.CreateMeeting(ctx, m, store.Room{})
	must(t, err)
	if !created {
		t.Fatal("created = false for a new meeting")
	}
	if len(stored.SIPID) != 10 || stored.SIPID[0] == '0' {
		t.Fatalf("SIPID = %q, want 10 digits without a leading zero", stored.SIPID)
	}
	if m.SIPID != "" {
		t.Fatal("CreateMeeting changed its argument")
	}
	got, err := s.GetMeeting(ctx, m.ID)
	must(t, err)
	checkSameMeeting(t, got, stored)
	bySIP, err := s.GetMeetingBySIPID(ctx, stored.SIPID)
	must(t, err)
	checkSameMeeting(t, bySIP, stored)

	_, err = s.GetMeeting(ctx, "mtg_missing")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetMeetingBySIPID(ctx, "1000000000")
	wantErr(t, err, store.ErrNotFound)
	_, _, err = s.CreateMeeting(ctx, &meeting.Meeting{}, store.Room{})
	wantErr(t, err, store.ErrInvalid)
}

func testMeetingConflicts(t *testing.T, ctx context.Context, s store.Store) {
	m := newMeeting(t, "A", 1, "")
	m.SIPID = "5555555555"
	_, _, err := s.CreateMeeting(ctx, m, store.Room{})
	must(t, err)

	sameID := newMeeting(t, "B", 1, "")
	sameID.ID = m.ID
	_, _, err = s.CreateMeeting(ctx, sameID, store.Room{})
	wantErr(t, err, store.ErrConflict)

	sameSIP := newMeeting(t, "C", 1, "")
	sameSIP.SIPID = m.SIPID
	_, _, err = s.CreateMeeting(ctx, sameSIP, store.Room{})
	wantErr(t, err, store.ErrConflict)
	_, err = s.GetMeeting(ctx, sameSIP.ID)
	wantErr(t, err, store.ErrNotFound)
}

func testIdempotencyReplay(t *testing.T, ctx context.Context, s store.Store) {
	first, created, err := s.CreateMeeting(ctx, newMeeting(t, "First", 1, "client:key-1"), store.Room{})
	must(t, err)
	if !created {
		t.Fatal("first create: created = false")
	}
	replay, created, err := s.CreateMeeting(ctx, newMeeting(t, "Retry", 1, "client:key-1"), store.Room{})
	must(t, err)
	if created {
		t.Fatal("replay: created = true")
	}
	checkSameMeeting(t, replay, first)

	other, created, err := s.CreateMeeting(ctx, newMeeting(t, "Other", 1, "client:key-2"), store.Room{})
	must(t, err)
	if !created || other.ID == first.ID {
		t.Fatal("a different key must create a different meeting")
	}
}

func testIdempotencyConcurrent(t *testing.T, ctx context.Context, s store.Store) {
	const n = 16
	var wg sync.WaitGroup
	ids := make([]string, n)
	createdCount := make([]bool, n)
	errs := make([]error, n)
	ms := make([]*meeting.Meeting, n)
	for i := range ms {
		ms[i] = newMeeting(t, fmt.Sprintf("attempt %d", i), 1, "client:same")
	}
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			m, created, err := s.CreateMeeting(ctx, ms[i], store.Room{})
			if err == nil {
				ids[i], createdCount[i] = m.ID, created
			}
			errs[i] = err
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for i := range n {
		must(t, errs[i])
		if ids[i] != ids[0] {
			t.Errorf("request %d got meeting %s, request 0 got %s", i, ids[i], ids[0])
		}
		if createdCount[i] {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d requests report created=true, want 1", created)
	}
	all, err := s.ListMeetings(ctx)
	must(t, err)
	if len(all) != 1 {
		t.Errorf("store holds %d meetings, want 1", len(all))
	}
}

func testSIPIDsUnique(t *testing.T, ctx context.Context, s store.Store) {
	seen := map[string]string{}
	for i := range 100 {
		m, _, err := s.CreateMeeting(ctx, newMeeting(t, "M", i, ""), store.Room{})
		must(t, err)
		if other, dup := seen[m.SIPID]; dup {
			t.Fatalf("SIP id %s given to %s and %s", m.SIPID, other, m.ID)
		}
		seen[m.SIPID] = m.ID
	}
	for sip, id := range seen {
		m, err := s.GetMeetingBySIPID(ctx, sip)
		must(t, err)
		if m.ID != id {
			t.Fatalf("SIP id %s maps to %s, want %s", sip, m.ID, id)
		}
	}
}

func testUpdateMeeting(t *testing.T, ctx context.Context, s store.Store) {
	m, _, err := s.CreateMeeting(ctx, newMeeting(t, "Before", 1, "k"), store.Room{})
	must(t, err)
	title := "After"
	later := baseTime.Add(time.Hour)
	updated, err := s.UpdateMeeting(ctx, m.ID, func(m *meeting.Meeting) error {
		return m.Apply(meeting.Patch{Title: &title}, later)
	})
	must(t, err)
	if updated.Title != "After" || updated.Sequence != 1 || !updated.UpdatedAt.Equal(later) {
		t.Fatalf("updated = %+v", updated)
	}
	got, err := s.GetMeeting(ctx, m.ID)
	must(t, err)
	checkSameMeeting(t, got, updated)

	cancelled, err := s.UpdateMeeting(ctx, m.ID, func(m *meeting.Meeting) error { return m.Cancel(later) })
	must(t, err)
	if cancelled.Status != meeting.StatusCancelled || cancelled.Sequence != 2 {
		t.Fatalf("cancelled = %+v", cancelled)
	}

	_, err = s.UpdateMeeting(ctx, m.ID, func(m *meeting.Meeting) error { return m.Cancel(later) })
	wantErr(t, err, meeting.ErrCancelled)
	got, err = s.GetMeeting(ctx, m.ID)
	must(t, err)
	checkSameMeeting(t, got, cancelled)

	_, err = s.UpdateMeeting(ctx, "mtg_missing", func(*meeting.Meeting) error { return nil })
	wantErr(t, err, store.ErrNotFound)
}

func testUpdateImmutable(t *testing.T, ctx context.Context, s store.Store) {
	m, _, err := s.CreateMeeting(ctx, newMeeting(t, "M", 1, "k"), store.Room{})
	must(t, err)
	for name, change := range map[string]func(*meeting.Meeting){
		"id":              func(m *meeting.Meeting) { m.ID = "mtg_other" },
		"sip_id":          func(m *meeting.Meeting) { m.SIPID = "1231231234" },
		"idempotency_key": func(m *meeting.Meeting) { m.IdempotencyKey = "other" },
	} {
		_, err := s.UpdateMeeting(ctx, m.ID, func(m *meeting.Meeting) error { change(m); return nil })
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("changing %s: err = %v, want ErrInvalid", name, err)
		}
	}
	got, err := s.GetMeeting(ctx, m.ID)
	must(t, err)
	checkSameMeeting(t, got, m)
}

func testUpdateConcurrent(t *testing.T, ctx context.Context, s store.Store) {
	m, _, err := s.CreateMeeting(ctx, newMeeting(t, "M", 1, ""), store.Room{})
	must(t, err)
	const writers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := s.UpdateMeeting(ctx, m.ID, func(m *meeting.Meeting) error { m.Sequence++; return nil })
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := s.GetMeeting(ctx, m.ID)
	must(t, err)
	if got.Sequence != writers*each {
		t.Fatalf("Sequence = %d after %d increments", got.Sequence, writers*each)
	}
}

func testDeleteMeeting(t *testing.T, ctx context.Context, s store.Store) {
	m, _, err := s.CreateMeeting(ctx, newMeeting(t, "M", 1, "k"), store.Room{})
	must(t, err)
	must(t, s.DeleteMeeting(ctx, m.ID))
	wantErr(t, s.DeleteMeeting(ctx, m.ID), store.ErrNotFound)
	_, err = s.GetMeeting(ctx, m.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetMeetingBySIPID(ctx, m.SIPID)
	wantErr(t, err, store.ErrNotFound)

	again, created, err := s.CreateMeeting(ctx, newMeeting(t, "M2", 1, "k"), store.Room{})
	must(t, err)
	if !created || again.ID == m.ID {
		t.Fatal("after delete, the idempotency key must be free again")
	}
	reuse := newMeeting(t, "M3", 1, "")
	reuse.SIPID = m.SIPID
	_, _, err = s.CreateMeeting(ctx, reuse, store.Room{})
	must(t, err)
}

func testListMeetings(t *testing.T, ctx context.Context, s store.Store) {
	var want []string
	for _, day := range []int{3, 1, 2} {
		m, _, err := s.CreateMeeting(ctx, newMeeting(t, "M", day, ""), store.Room{})
		must(t, err)
		want = append(want, m.ID)
	}
	want = []string{want[1], want[2], want[0]}
	all, err := s.ListMeetings(ctx)
	must(t, err)
	if len(all) != 3 {
		t.Fatalf("ListMeetings returned %d", len(all))
	}
	for i := range all {
		if all[i].ID != want[i] {
			t.Fatalf("ListMeetings[%d] = %s, want %s", i, all[i].ID, want[i])
		}
	}
}

func testCancelledContext(t *testing.T, _ context.Context, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.PutRoom(ctx, sampleRoom("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("PutRoom with cancelled context: err = %v", err)
	}
	if _, err := s.GetMeeting(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("GetMeeting with cancelled context: err = %v", err)
	}
	if _, _, err := s.CreateMeeting(ctx, newMeeting(t, "M", 1, ""), store.Room{}); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateMeeting with cancelled context: err = %v", err)
	}
}

func testMeetingCreatesRoom(t *testing.T, ctx context.Context, s store.Store) {
	m := newMeeting(t, "With room", 1, "client:room-key")
	stored, _, err := s.CreateMeeting(ctx, m, store.Room{SID: "RM_new", Lobby: true, GuestPolicy: store.GuestDeny})
	must(t, err)
	room, err := s.GetRoom(ctx, stored.Room)
	must(t, err)
	if room.Name != stored.Room || room.SID != "RM_new" || !room.Lobby || room.GuestPolicy != store.GuestDeny {
		t.Fatalf("room written with the meeting: %+v", room)
	}
	// A replay writes nothing, and another meeting in the same room keeps its record.
	must(t, s.PutRoom(ctx, store.Room{Name: stored.Room, SID: "RM_new", Metadata: "kept", GuestPolicy: store.GuestDeny}))
	_, created, err := s.CreateMeeting(ctx, m, store.Room{SID: "RM_other"})
	must(t, err)
	if created {
		t.Fatal("replay created a meeting")
	}
	second := newMeeting(t, "Same room", 2, "")
	second.Room = stored.Room
	_, _, err = s.CreateMeeting(ctx, second, store.Room{SID: "RM_other"})
	must(t, err)
	if room, err = s.GetRoom(ctx, stored.Room); err != nil || room.Metadata != "kept" || room.SID != "RM_new" {
		t.Fatalf("existing room became %+v, %v", room, err)
	}
}

func testRevokedSessions(t *testing.T, ctx context.Context, s store.Store) {
	r, ok := s.(store.SessionRevocations)
	if !ok {
		t.Fatalf("%T does not keep session revocations", s)
	}
	now := time.Now()
	must(t, r.RevokeSession(ctx, "sess-a", now.Add(time.Hour)))
	for id, want := range map[string]bool{"sess-a": true, "sess-b": false} {
		got, err := r.SessionRevoked(ctx, id, now)
		must(t, err)
		if got != want {
			t.Errorf("SessionRevoked(%s) = %v, want %v", id, got, want)
		}
	}
	// Past its expiry the entry no longer counts (the session is refused as expired).
	if got, err := r.SessionRevoked(ctx, "sess-a", now.Add(2*time.Hour)); err != nil || got {
		t.Errorf("after expiry: %v %v", got, err)
	}
	wantErr(t, r.RevokeSession(ctx, "", now.Add(time.Hour)), store.ErrInvalid)
	_, err := r.SessionRevoked(ctx, strings.Repeat("x", 200), now)
	wantErr(t, err, store.ErrInvalid)
}
