package meeting

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)

func validInput() Input {
	return Input{Title: "Weekly sync", Start: "2026-12-01T10:00:00+01:00", End: "2026-12-01T11:00:00+01:00",
		TimeZone: "Europe/Paris"}
}

func TestNewBuildsConfirmedMeeting(t *testing.T) {
	m, err := New(validInput(), "client:key", now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.ID, "mtg_") || len(m.ID) != 24 {
		t.Errorf("ID = %q", m.ID)
	}
	if m.Status != StatusConfirmed || m.Sequence != 0 || m.Lang != LangEnglish || m.IdempotencyKey != "client:key" {
		t.Errorf("meeting = %+v", m)
	}
	if !m.CreatedAt.Equal(now) || !m.UpdatedAt.Equal(now) {
		t.Errorf("timestamps = %v %v", m.CreatedAt, m.UpdatedAt)
	}
	if want := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC); !m.Start.Equal(want) {
		t.Errorf("Start = %v, want %v", m.Start, want)
	}
	if m.Start.Location().String() != "Europe/Paris" {
		t.Errorf("Start is in %v, want the meeting's zone", m.Start.Location())
	}
	if m.SIPID != "" {
		t.Error("New must leave the SIP id to the store")
	}
	if err := m.Validate(); err != nil {
		t.Errorf("Validate of a new meeting: %v", err)
	}
}

func TestTimesWithoutOffsetAreReadInTheMeetingZone(t *testing.T) {
	in := validInput()
	in.Start, in.End, in.TimeZone = "2026-07-01T10:00", "2026-07-01T10:30:00", "America/New_York"
	m, err := New(in, "", now)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 7, 1, 14, 0, 0, 0, time.UTC); !m.Start.Equal(want) {
		t.Errorf("Start = %v, want %v (EDT is UTC-4)", m.Start.UTC(), want)
	}
	if m.End.Sub(m.Start) != 30*time.Minute {
		t.Errorf("duration = %v", m.End.Sub(m.Start))
	}
}

func TestEmptyTimeZoneMeansUTC(t *testing.T) {
	in := validInput()
	in.TimeZone = ""
	m, err := New(in, "", now)
	if err != nil {
		t.Fatal(err)
	}
	if m.TimeZone != "UTC" {
		t.Errorf("TimeZone = %q", m.TimeZone)
	}
}

func TestValidationNamesTheField(t *testing.T) {
	long := strings.Repeat("é", MaxTitleLen+1)
	cases := []struct {
		name  string
		edit  func(*Input)
		field string
		msg   string
	}{
		{"empty title", func(in *Input) { in.Title = "   " }, "title", "must not be empty"},
		{"title too long", func(in *Input) { in.Title = long }, "title", "longer than 200"},
		{"title with newline", func(in *Input) { in.Title = "a\nb" }, "title", "control character"},
		{"title not utf-8", func(in *Input) { in.Title = "a\xffb" }, "title", "UTF-8"},
		{"end before start", func(in *Input) { in.End = "2026-12-01T09:00:00+01:00" }, "end", "after start"},
		{"end equals start", func(in *Input) { in.End = in.Start }, "end", "after start"},
		{"too long", func(in *Input) { in.End = "2026-12-09T10:00:00+01:00" }, "end", "longer than"},
		{"unknown zone", func(in *Input) { in.TimeZone = "Mars/Olympus" }, "time_zone", "unknown time zone"},
		{"Local zone", func(in *Input) { in.TimeZone = "Local" }, "time_zone", "IANA"},
		{"path as zone", func(in *Input) { in.TimeZone = "../../etc/passwd" }, "time_zone", "IANA"},
		{"bad start", func(in *Input) { in.Start = "tomorrow" }, "start", "RFC 3339"},
		{"empty end", func(in *Input) { in.End = "" }, "end", "must not be empty"},
		{"year out of range", func(in *Input) { in.Start = "1969-12-31T10:00:00Z" }, "start", "out of range"},
		{"bad rrule", func(in *Input) { in.Recurrence = "FREQ=FORTNIGHTLY" }, "recurrence", "unknown FREQ"},
		{"until before start", func(in *Input) { in.Recurrence = "FREQ=DAILY;UNTIL=20261101" }, "recurrence", "before the start"},
		{"lang", func(in *Input) { in.Lang = "de" }, "lang", "not supported"},
		{"room", func(in *Input) { in.Room = "Bad Room" }, "room", "a-z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validInput()
			c.edit(&in)
			_, err := New(in, "", now)
			fe, ok := AsFieldError(err)
			if !ok {
				t.Fatalf("err = %v, want *FieldError", err)
			}
			if fe.Field != c.field || !strings.Contains(fe.Message, c.msg) {
				t.Fatalf("FieldError{%q, %q}, want field %q and message containing %q", fe.Field, fe.Message, c.field, c.msg)
			}
		})
	}
}

func TestApplyIncrementsSequenceAndKeepsIdentity(t *testing.T) {
	m, err := New(validInput(), "k", now)
	if err != nil {
		t.Fatal(err)
	}
	m.SIPID = "1234567890"
	before := *m
	title, rec := "Renamed", "FREQ=WEEKLY;BYDAY=TU"
	later := now.Add(time.Hour)
	if err := m.Apply(Patch{Title: &title, Recurrence: &rec}, later); err != nil {
		t.Fatal(err)
	}
	if m.Title != title || m.Recurrence != rec || m.Sequence != 1 || !m.UpdatedAt.Equal(later) {
		t.Fatalf("after Apply: %+v", m)
	}
	if m.ID != before.ID || m.Room != before.Room || m.SIPID != before.SIPID || !m.Start.Equal(before.Start) || !m.CreatedAt.Equal(before.CreatedAt) {
		t.Fatalf("Apply changed identity fields: %+v", m)
	}

	// A patch that changes nothing is not a new version.
	if err := m.Apply(Patch{Title: &title}, later.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if m.Sequence != 1 || !m.UpdatedAt.Equal(later) {
		t.Fatalf("no-op Apply bumped the version: seq %d at %v", m.Sequence, m.UpdatedAt)
	}

	// Removing the recurrence.
	empty := ""
	if err := m.Apply(Patch{Recurrence: &empty}, later); err != nil || m.Recurrence != "" || m.Sequence != 2 {
		t.Fatalf("removing recurrence: %v, %+v", err, m)
	}
}

func TestApplyIsAtomicOnError(t *testing.T) {
	m, err := New(validInput(), "", now)
	if err != nil {
		t.Fatal(err)
	}
	before := *m
	title, end := "New title", "2026-12-01T08:00:00+01:00"
	err = m.Apply(Patch{Title: &title, End: &end}, now.Add(time.Hour))
	if fe, ok := AsFieldError(err); !ok || fe.Field != "end" {
		t.Fatalf("err = %v, want a FieldError on end", err)
	}
	if *m != before {
		t.Fatalf("failed Apply changed the meeting: %+v", m)
	}
}

func TestApplyMovingStartPastUntilFails(t *testing.T) {
	in := validInput()
	in.Recurrence = "FREQ=DAILY;UNTIL=20261210"
	m, err := New(in, "", now)
	if err != nil {
		t.Fatal(err)
	}
	start, end := "2026-12-20T10:00:00+01:00", "2026-12-20T11:00:00+01:00"
	err = m.Apply(Patch{Start: &start, End: &end}, now)
	if fe, ok := AsFieldError(err); !ok || fe.Field != "recurrence" {
		t.Fatalf("err = %v, want a FieldError on recurrence", err)
	}
}

func TestCancel(t *testing.T) {
	m, err := New(validInput(), "", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Cancel(now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if m.Status != StatusCancelled || m.Sequence != 1 {
		t.Fatalf("after Cancel: %+v", m)
	}
	if err := m.Cancel(now); !errors.Is(err, ErrCancelled) {
		t.Fatalf("second Cancel: %v", err)
	}
	title := "x"
	if err := m.Apply(Patch{Title: &title}, now); !errors.Is(err, ErrCancelled) {
		t.Fatalf("Apply on cancelled: %v", err)
	}
	if !m.UpdatedAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("UpdatedAt = %v", m.UpdatedAt)
	}
}

func TestUpdatedAtNeverGoesBack(t *testing.T) {
	m, err := New(validInput(), "", now)
	if err != nil {
		t.Fatal(err)
	}
	title := "x"
	if err := m.Apply(Patch{Title: &title}, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !m.UpdatedAt.Equal(now) {
		t.Fatalf("UpdatedAt = %v, want %v", m.UpdatedAt, now)
	}
}

func TestGenerateRoomName(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		name := GenerateRoomName()
		if len(name) != 12 || name[3] != '-' || name[8] != '-' {
			t.Fatalf("room name %q is not abc-defg-hij", name)
		}
		if strings.Trim(strings.ReplaceAll(name, "-", ""), roomLetters) != "" {
			t.Fatalf("room name %q has other than letters", name)
		}
		if !roomNamePattern.MatchString(name) {
			t.Fatalf("generated name %q is refused as input", name)
		}
		if seen[name] {
			t.Fatalf("duplicate room name %q in 1000 draws", name)
		}
		seen[name] = true
	}
}
