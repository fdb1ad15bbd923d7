package meeting

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// knownFields are the only Field values a FieldError may carry.
var knownFields = map[string]bool{"title": true, "start": true, "end": true, "time_zone": true,
	"recurrence": true, "lang": true, "room": true, "idempotency_key": true}

// FuzzValidate feeds arbitrary API input to New. Whatever comes in, New either refuses
// it with a FieldError naming a real field, or returns a meeting that validates again,
// whose recurrence is canonical, and whose .ics a real iCalendar parser reads back with
// the same start and end.
func FuzzValidate(f *testing.F) {
	f.Add("Weekly sync", "2026-12-01T10:00:00+01:00", "2026-12-01T11:00:00+01:00", "Europe/Paris", "FREQ=WEEKLY;BYDAY=TU", "en")
	f.Add("Réunion", "2026-03-29T01:30", "2026-03-29T03:30", "Europe/Paris", "FREQ=MONTHLY;BYDAY=-1SU;UNTIL=20270101", "fr")
	f.Add("a,b;c\\d", "2026-12-01T10:00:00Z", "2026-12-01T10:00:01Z", "UTC", "", "")
	f.Add("x", "2026-11-01T01:30", "2026-11-01T01:45", "America/New_York", "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU;COUNT=3", "en")
	f.Add("x", "2026-12-01T10:00", "2026-12-01T09:00", "Mars/Base", "FREQ=SECONDLY", "de")
	f.Fuzz(func(t *testing.T, title, start, end, tz, recurrence, lang string) {
		in := Input{Title: title, Start: start, End: end, TimeZone: tz, Recurrence: recurrence, Lang: lang}
		m, err := New(in, "", now)
		if err != nil {
			fe, ok := AsFieldError(err)
			if !ok {
				t.Fatalf("error is not a *FieldError: %v", err)
			}
			if !knownFields[fe.Field] || fe.Message == "" {
				t.Fatalf("FieldError{%q, %q} does not name a known field", fe.Field, fe.Message)
			}
			return
		}
		m.SIPID = "1234567890"
		if err := m.Validate(); err != nil {
			t.Fatalf("accepted meeting does not validate: %v", err)
		}
		if m.Recurrence != "" {
			loc, _ := LoadZone(m.TimeZone)
			again, err := NormalizeRecurrence(m.Recurrence, m.Start, loc)
			if err != nil || again != m.Recurrence {
				t.Fatalf("recurrence %q is not canonical: %q, %v", m.Recurrence, again, err)
			}
			if _, err := rrule.StrToROption(m.Recurrence); err != nil {
				t.Fatalf("rrule-go refuses accepted recurrence %q: %v", m.Recurrence, err)
			}
		}
		data, err := testConfig.ICS(m)
		if err != nil {
			t.Fatalf("ICS: %v", err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
			if len(line) > maxLineOctets {
				t.Fatalf("line of %d octets", len(line))
			}
		}
		cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
		if err != nil {
			t.Fatalf("go-ical cannot parse: %v\n%s", err, data)
		}
		ev := cal.Events()[0]
		summary, err := ev.Props.Text("SUMMARY")
		if err != nil || summary != m.Title {
			t.Fatalf("SUMMARY = %q, %v; want %q", summary, err, m.Title)
		}
		gotStart, err := ev.DateTimeStart(nil)
		if err != nil || !sameWallClockInstant(gotStart, m.Start) {
			t.Fatalf("DTSTART = %v, %v; want %v", gotStart, err, m.Start)
		}
		gotEnd, err := ev.DateTimeEnd(nil)
		if err != nil || !sameWallClockInstant(gotEnd, m.End) {
			t.Fatalf("DTEND = %v, %v; want %v", gotEnd, err, m.End)
		}
	})
}

// sameWallClockInstant compares instants, except that a local time written into a
// DST gap or overlap can legitimately resolve to the other side of the change: the
// ICS carries wall-clock time, which is all the calendar client sees.
func sameWallClockInstant(got, want time.Time) bool {
	if got.Equal(want) {
		return true
	}
	return got.Format("20060102T150405") == want.Format("20060102T150405")
}
