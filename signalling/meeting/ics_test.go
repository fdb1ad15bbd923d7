package meeting

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

var testConfig = Config{
	PublicURL:   "https://meet.example.com/",
	SIPDomain:   "sip.example.com",
	PhoneNumber: "+33 1 23 45 67 89",
}

// fixedMeeting builds a meeting with deterministic ids, for comparisons and golden files.
func fixedMeeting(t *testing.T, in Input) *Meeting {
	t.Helper()
	m, err := New(in, "", now)
	if err != nil {
		t.Fatal(err)
	}
	m.ID, m.Room, m.SIPID = "mtg_abcdefghjkmnpqrstuvw", "abc-defg-hij", "1234567890"
	return m
}

func parseICS(t *testing.T, data []byte) *ical.Calendar {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot parse our output: %v\n%s", err, data)
	}
	return cal
}

func text(t *testing.T, props ical.Props, name string) string {
	t.Helper()
	p := props.Get(name)
	if p == nil {
		t.Fatalf("property %s missing", name)
	}
	if p.ValueType() != ical.ValueText {
		return p.Value // DATE-TIME, INTEGER, URI: no escaping to undo
	}
	s, err := p.Text()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func checkWellFormed(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Error("output does not end with CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
		if len(line) > maxLineOctets {
			t.Errorf("line %d has %d octets", i+1, len(line))
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
	}
}

func TestICSParsesBackFieldByField(t *testing.T) {
	in := validInput()
	in.Title = `Budget review, Q3; "final" \ draft`
	m := fixedMeeting(t, in)
	cfg := testConfig
	cfg.OrganizerEmail, cfg.OrganizerName = "alice@example.com", "Doe, Alice"
	data, err := cfg.ICS(m)
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, data)
	cal := parseICS(t, data)

	for name, want := range map[string]string{"VERSION": "2.0", "METHOD": "REQUEST", "PRODID": "-//Ensemble//Meetings 1.0//EN"} {
		if got := text(t, cal.Props, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
	ev := events[0]
	for name, want := range map[string]string{
		"UID":         "mtg_abcdefghjkmnpqrstuvw@meet.example.com",
		"SUMMARY":     in.Title,
		"LOCATION":    "https://meet.example.com/abc-defg-hij | sip:1234567890@sip.example.com",
		"URL":         "https://meet.example.com/abc-defg-hij",
		"SEQUENCE":    "0",
		"STATUS":      "CONFIRMED",
		"X-SIP-URI":   "sip:1234567890@sip.example.com",
		"DTSTAMP":     "20261101T080000Z",
		"DESCRIPTION": "Join the meeting: https://meet.example.com/abc-defg-hij\nJoin from a video conferencing system:\nsip:1234567890@sip.example.com\nJoin by phone: +33 1 23 45 67 89, PIN: 1234567890#",
	} {
		if got := text(t, ev.Props, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	org := ev.Props.Get("ORGANIZER")
	if org == nil || org.Value != "mailto:alice@example.com" || org.Params.Get("CN") != "Doe, Alice" {
		t.Errorf("ORGANIZER = %+v", org)
	}
	start, err := ev.DateTimeStart(nil)
	if err != nil || !start.Equal(m.Start) {
		t.Errorf("DTSTART = %v (%v), want %v", start, err, m.Start)
	}
	if p := ev.Props.Get("DTSTART"); p.Params.Get("TZID") != "Europe/Paris" || p.Value != "20261201T100000" {
		t.Errorf("DTSTART written as %+v", p)
	}
	end, err := ev.DateTimeEnd(nil)
	if err != nil || !end.Equal(m.End) {
		t.Errorf("DTEND = %v (%v), want %v", end, err, m.End)
	}
	if ev.Props.Get("RRULE") != nil {
		t.Error("RRULE on a one-off meeting")
	}
	var tzids []string
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			tzids = append(tzids, text(t, c.Props, "TZID"))
		}
	}
	if len(tzids) != 1 || tzids[0] != "Europe/Paris" {
		t.Errorf("VTIMEZONEs = %v", tzids)
	}
}

func TestICSRecurrenceExpandsToTheRightOccurrences(t *testing.T) {
	in := validInput()
	in.Start, in.End, in.TimeZone = "2026-03-23T10:00", "2026-03-23T11:00", "Europe/Paris"
	in.Recurrence = "FREQ=WEEKLY;BYDAY=MO;COUNT=3"
	m := fixedMeeting(t, in)
	data, err := testConfig.ICS(m)
	if err != nil {
		t.Fatal(err)
	}
	ev := parseICS(t, data).Events()[0]
	set, err := ev.RecurrenceSet(nil)
	if err != nil || set == nil {
		t.Fatalf("RecurrenceSet: %v, %v", set, err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	// 10:00 Paris every Monday, across the switch to summer time on March 29.
	want := []time.Time{
		time.Date(2026, 3, 23, 10, 0, 0, 0, paris),
		time.Date(2026, 3, 30, 10, 0, 0, 0, paris),
		time.Date(2026, 4, 6, 10, 0, 0, 0, paris),
	}
	got := set.All()
	if len(got) != len(want) {
		t.Fatalf("occurrences = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("occurrence %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestICSUntilIsUTC(t *testing.T) {
	in := validInput()
	in.Recurrence = "FREQ=DAILY;UNTIL=20261205"
	m := fixedMeeting(t, in)
	data, err := testConfig.ICS(m)
	if err != nil {
		t.Fatal(err)
	}
	ev := parseICS(t, data).Events()[0]
	if got := ev.Props.Get("RRULE").Value; got != "FREQ=DAILY;UNTIL=20261205T225959Z" {
		t.Errorf("RRULE = %q", got)
	}
	set, err := ev.RecurrenceSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(set.All()); n != 5 {
		t.Errorf("%d occurrences from Dec 1 to Dec 5 inclusive, want 5", n)
	}
}

func TestICSCancellation(t *testing.T) {
	m := fixedMeeting(t, validInput())
	title := "Moved"
	if err := m.Apply(Patch{Title: &title}, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := m.Cancel(now.Add(2 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	data, err := testConfig.ICS(m)
	if err != nil {
		t.Fatal(err)
	}
	cal := parseICS(t, data)
	if got := text(t, cal.Props, "METHOD"); got != "CANCEL" {
		t.Errorf("METHOD = %q", got)
	}
	ev := cal.Events()[0]
	if st, err := ev.Status(); err != nil || st != ical.EventCancelled {
		t.Errorf("STATUS = %v, %v", st, err)
	}
	if got := text(t, ev.Props, "SEQUENCE"); got != "2" {
		t.Errorf("SEQUENCE = %q, want 2", got)
	}
	if got := text(t, ev.Props, "UID"); got != testConfig.UID(m) {
		t.Errorf("UID changed on cancel: %q", got)
	}
	if got := text(t, ev.Props, "DTSTAMP"); got != "20261101T100000Z" {
		t.Errorf("DTSTAMP = %q, want the cancellation time", got)
	}
	if !strings.HasPrefix(text(t, ev.Props, "DESCRIPTION"), "This meeting has been cancelled.") {
		t.Error("DESCRIPTION does not say the meeting is cancelled")
	}
}

func TestICSInUTCHasNoVTimezone(t *testing.T) {
	in := validInput()
	in.TimeZone = "UTC"
	m := fixedMeeting(t, in)
	data, err := Config{PublicURL: "https://meet.example.com"}.ICS(m)
	if err != nil {
		t.Fatal(err)
	}
	cal := parseICS(t, data)
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			t.Error("VTIMEZONE present for a UTC meeting")
		}
	}
	ev := cal.Events()[0]
	if got := ev.Props.Get("DTSTART").Value; got != "20261201T090000Z" {
		t.Errorf("DTSTART = %q", got)
	}
	if ev.Props.Get("X-SIP-URI") != nil || strings.Contains(string(data), "sip:") {
		t.Error("SIP URI present without a SIP domain")
	}
	if strings.Contains(string(data), "tel:") {
		t.Error("dial-in present without telephony")
	}
}

// TestVTimezoneMatchesGoZoneData evaluates our VTIMEZONE like a calendar client would
// (the latest observance onset before an instant gives its offset) and compares it
// with Go's zone data every 3 hours from the year before the meeting to the year after.
func TestVTimezoneMatchesGoZoneData(t *testing.T) {
	zones := []string{"Europe/Paris", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe",
		"Asia/Kolkata", "Africa/Casablanca", "America/Sao_Paulo", "Pacific/Chatham", "America/Santiago",
		"Asia/Tehran", "Europe/London", "Europe/Dublin", "Pacific/Apia", "America/St_Johns", "Asia/Gaza"}
	for _, zone := range zones {
		for _, startDate := range []string{"2026-01-05T10:00", "2026-07-01T10:00", "2021-06-01T10:00"} {
			t.Run(zone+"/"+startDate[:10], func(t *testing.T) {
				in := validInput()
				in.TimeZone, in.Start = zone, startDate
				in.End = startDate[:11] + "11:00"
				m := fixedMeeting(t, in)
				data, err := testConfig.ICS(m)
				if err != nil {
					t.Fatal(err)
				}
				checkVTimezone(t, parseICS(t, data), zone, m.Start.Year())
			})
		}
	}
}

type onset struct {
	at       time.Time // UTC instant
	toOffset int
}

func checkVTimezone(t *testing.T, cal *ical.Calendar, zone string, year int) {
	t.Helper()
	loc, _ := time.LoadLocation(zone)
	var onsets []onset
	for _, tz := range cal.Children {
		if tz.Name != ical.CompTimezone {
			continue
		}
		for _, obs := range tz.Children {
			from, to := parseOffset(t, obs.Props.Get("TZOFFSETFROM").Value), parseOffset(t, obs.Props.Get("TZOFFSETTO").Value)
			local, err := time.ParseInLocation("20060102T150405", obs.Props.Get("DTSTART").Value, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			locals := []time.Time{local}
			if rr := obs.Props.Get("RRULE"); rr != nil {
				opt, err := rrule.StrToROption(rr.Value)
				if err != nil {
					t.Fatalf("observance RRULE %q: %v", rr.Value, err)
				}
				opt.Dtstart = local
				opt.Until = time.Date(year+2, 1, 1, 0, 0, 0, 0, time.UTC)
				r, err := rrule.NewRRule(*opt)
				if err != nil {
					t.Fatal(err)
				}
				locals = r.All()
			}
			for _, rd := range obs.Props.Values("RDATE") {
				l, err := time.ParseInLocation("20060102T150405", rd.Value, time.UTC)
				if err != nil {
					t.Fatal(err)
				}
				locals = append(locals, l)
			}
			for _, l := range locals {
				onsets = append(onsets, onset{at: l.Add(-time.Duration(from) * time.Second), toOffset: to})
			}
		}
	}
	if len(onsets) == 0 {
		t.Fatal("no observances")
	}
	firstCheck := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	for u := firstCheck; u.Year() <= year+1; u = u.Add(3 * time.Hour) {
		var best *onset
		for i := range onsets {
			if !onsets[i].at.After(u) && (best == nil || onsets[i].at.After(best.at)) {
				best = &onsets[i]
			}
		}
		_, want := u.In(loc).Zone()
		if best == nil {
			t.Fatalf("%v: no observance in effect", u)
		}
		if best.toOffset != want {
			t.Fatalf("%v: VTIMEZONE says offset %+d s, Go says %+d s", u.UTC(), best.toOffset, want)
		}
	}
}

func parseOffset(t *testing.T, s string) int {
	t.Helper()
	var h, m, sec int
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	digits := s[1:]
	if _, err := fmt.Sscanf(digits[:4], "%02d%02d", &h, &m); err != nil {
		t.Fatalf("offset %q: %v", s, err)
	}
	if len(digits) == 6 {
		fmt.Sscanf(digits[4:], "%02d", &sec)
	}
	return sign * (h*3600 + m*60 + sec)
}

// Room systems find the call: the SIP URI is in LOCATION, delimited by spaces, and
// alone on a line of DESCRIPTION (what Cisco OBTP and Poly calendar readers scan),
// in both languages; without a SIP domain LOCATION is the join link alone.
func TestSIPURIWhereRoomSystemsLook(t *testing.T) {
	for _, lang := range []string{LangEnglish, LangFrench} {
		in := validInput()
		in.Lang = lang
		m := fixedMeeting(t, in)
		data, err := testConfig.ICS(m)
		if err != nil {
			t.Fatal(err)
		}
		ev := parseICS(t, data).Events()[0]
		sip := "sip:1234567890@sip.example.com"
		loc := text(t, ev.Props, "LOCATION")
		if !slices.Contains(strings.Fields(loc), sip) {
			t.Errorf("%s: LOCATION %q has no space-delimited %s", lang, loc, sip)
		}
		if !slices.Contains(strings.Split(text(t, ev.Props, "DESCRIPTION"), "\n"), sip) {
			t.Errorf("%s: DESCRIPTION has no line holding %s alone", lang, sip)
		}
		if !slices.Contains(strings.Split(testConfig.Invite(m).Text, "\n"), sip) {
			t.Errorf("%s: invitation text has no line holding %s alone", lang, sip)
		}
	}
	noSIP := testConfig
	noSIP.SIPDomain = ""
	if got := noSIP.Location(fixedMeeting(t, validInput())); got != "https://meet.example.com/abc-defg-hij" {
		t.Errorf("LOCATION without SIP = %q", got)
	}
}
