package meeting

import (
	"github.com/ensemble-sfu/ensemble/internal/label"

	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // zone data inside the binary: scratch containers have no /usr/share/zoneinfo
	"unicode/utf8"
)

// Status of a meeting, as in the iCalendar STATUS property.
type Status string

const (
	StatusConfirmed Status = "confirmed"
	StatusCancelled Status = "cancelled"
)

// Limits on input.
const (
	MaxTitleLen   = 200                // runes
	MaxDuration   = 7 * 24 * time.Hour // one occurrence
	minYear       = 1970               // iCalendar tools mishandle earlier dates
	maxYear       = 9000               // leaves room for VTIMEZONE years around the start
	maxIdemKeyLen = 255                // Idempotency-Key header value
)

// Languages of the invitation text.
const (
	LangEnglish = "en"
	LangFrench  = "fr"
)

// Meeting is a scheduled meeting as stored and returned by the API. Times are
// instants; TimeZone says how calendars should show them and is used for recurrence.
type Meeting struct {
	ID             string    `json:"id"`
	Title          string    `json:"title"`
	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	TimeZone       string    `json:"time_zone"`            // IANA name, e.g. "Europe/Paris"
	Recurrence     string    `json:"recurrence,omitempty"` // canonical RRULE value without "RRULE:"
	Lang           string    `json:"lang"`                 // invitation language: "en" or "fr"
	Room           string    `json:"room"`                 // room name, e.g. "abc-defg-hij"
	SIPID          string    `json:"sip_id"`               // numeric id for SIP/dial-in, allocated by the store
	Sequence       int       `json:"sequence"`             // iCalendar SEQUENCE: +1 on each update/cancel
	Status         Status    `json:"status"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	// Owner is who created the meeting from the app ("oidc:<subject>" for a signed-in
	// host); empty for meetings created with an API key.
	Owner string `json:"owner,omitempty"`
}

// Input is the body of a create request, as strings so that errors can name the field.
//
// Start and End are RFC 3339 ("2026-12-01T10:00:00+01:00" or "...Z"), or a local
// date-time without offset ("2026-12-01T10:00" or "2026-12-01T10:00:00") read in TimeZone.
// TimeZone defaults to "UTC", Lang to "en"; Room is generated when empty.
type Input struct {
	Title      string `json:"title"`
	Start      string `json:"start"`
	End        string `json:"end"`
	TimeZone   string `json:"time_zone,omitempty"`
	Recurrence string `json:"recurrence,omitempty"`
	Lang       string `json:"lang,omitempty"`
	Room       string `json:"room,omitempty"`
}

// Patch is the body of an update request: nil fields are left unchanged. An empty
// Recurrence removes the recurrence. The room and ids never change.
type Patch struct {
	Title      *string `json:"title,omitempty"`
	Start      *string `json:"start,omitempty"`
	End        *string `json:"end,omitempty"`
	TimeZone   *string `json:"time_zone,omitempty"`
	Recurrence *string `json:"recurrence,omitempty"`
	Lang       *string `json:"lang,omitempty"`
}

// New validates in and builds a confirmed meeting with a fresh ID, created at now.
// SIPID is left empty: the store allocates a unique one when it saves the meeting.
// idempotencyKey may be empty. Validation errors are *FieldError.
func New(in Input, idempotencyKey string, now time.Time) (*Meeting, error) {
	if len(idempotencyKey) > maxIdemKeyLen {
		return nil, fieldErr("idempotency_key", "longer than %d bytes", maxIdemKeyLen)
	}
	room := in.Room
	if room == "" {
		room = GenerateRoomName()
	} else if !roomNamePattern.MatchString(room) {
		return nil, fieldErr("room", "must be 1-64 characters a-z, 0-9, '-' or '_', starting and ending with a letter or digit")
	}
	now = now.UTC().Truncate(time.Second)
	m := &Meeting{
		ID:             NewID(),
		Room:           room,
		Status:         StatusConfirmed,
		CreatedAt:      now,
		UpdatedAt:      now,
		IdempotencyKey: idempotencyKey,
	}
	p := Patch{Title: &in.Title, Start: &in.Start, End: &in.End, TimeZone: &in.TimeZone,
		Recurrence: &in.Recurrence, Lang: &in.Lang}
	if err := m.set(p); err != nil {
		return nil, err
	}
	return m, nil
}

// Apply updates m with p at now, validating the result; m is unchanged on error.
// Sequence is incremented when anything changed. A cancelled meeting gives ErrCancelled.
func (m *Meeting) Apply(p Patch, now time.Time) error {
	if m.Status == StatusCancelled {
		return ErrCancelled
	}
	next := *m
	if p.Start == nil {
		s := m.Start.Format(time.RFC3339)
		p.Start = &s
	}
	if p.End == nil {
		s := m.End.Format(time.RFC3339)
		p.End = &s
	}
	if p.TimeZone == nil {
		p.TimeZone = &m.TimeZone
	}
	if err := next.set(p); err != nil {
		return err
	}
	if next.sameContent(m) {
		return nil
	}
	next.Sequence++
	next.UpdatedAt = laterOf(now.UTC().Truncate(time.Second), m.UpdatedAt)
	*m = next
	return nil
}

// Cancel marks m cancelled at now (the .ics then carries METHOD:CANCEL).
func (m *Meeting) Cancel(now time.Time) error {
	if m.Status == StatusCancelled {
		return ErrCancelled
	}
	m.Status = StatusCancelled
	m.Sequence++
	m.UpdatedAt = laterOf(now.UTC().Truncate(time.Second), m.UpdatedAt)
	return nil
}

// sameContent reports whether the user-visible fields are equal (times as instants).
func (m *Meeting) sameContent(o *Meeting) bool {
	return m.Title == o.Title && m.Start.Equal(o.Start) && m.End.Equal(o.End) &&
		m.TimeZone == o.TimeZone && m.Recurrence == o.Recurrence && m.Lang == o.Lang
}

// laterOf keeps UpdatedAt monotonic even if the wall clock steps back, because
// calendars use DTSTAMP (taken from UpdatedAt) to order updates.
func laterOf(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// set validates and applies the non-nil fields of p. Start, End and TimeZone must be
// non-nil (they are validated together).
func (m *Meeting) set(p Patch) error {
	if p.Title != nil {
		title, err := validateTitle(*p.Title)
		if err != nil {
			return err
		}
		m.Title = title
	}
	if p.Lang != nil {
		switch *p.Lang {
		case "", LangEnglish:
			m.Lang = LangEnglish
		case LangFrench:
			m.Lang = LangFrench
		default:
			return fieldErr("lang", "%q is not supported (use %q or %q)", *p.Lang, LangEnglish, LangFrench)
		}
	}
	tz := *p.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	loc, err := LoadZone(tz)
	if err != nil {
		return err
	}
	start, err := parseTime("start", *p.Start, loc)
	if err != nil {
		return err
	}
	end, err := parseTime("end", *p.End, loc)
	if err != nil {
		return err
	}
	if !end.After(start) {
		return fieldErr("end", "must be after start")
	}
	if end.Sub(start) > MaxDuration {
		return fieldErr("end", "meeting lasts longer than %s", MaxDuration)
	}
	m.TimeZone, m.Start, m.End = tz, start, end

	rec := m.Recurrence
	if p.Recurrence != nil {
		rec = *p.Recurrence
	}
	if rec != "" {
		// Re-normalized even when unchanged: UNTIL must stay after a moved start.
		if rec, err = NormalizeRecurrence(rec, start, loc); err != nil {
			return err
		}
	}
	m.Recurrence = rec
	return nil
}

// Validate checks a meeting as a whole (for records read back from a store or built
// by hand). Errors are *FieldError.
func (m *Meeting) Validate() error {
	if m.ID == "" {
		return fieldErr("id", "must not be empty")
	}
	if !roomNamePattern.MatchString(m.Room) {
		return fieldErr("room", "%q is not a valid room name", m.Room)
	}
	if m.Status != StatusConfirmed && m.Status != StatusCancelled {
		return fieldErr("status", "%q is neither %q nor %q", m.Status, StatusConfirmed, StatusCancelled)
	}
	if m.Sequence < 0 {
		return fieldErr("sequence", "must not be negative")
	}
	if m.SIPID != "" && strings.Trim(m.SIPID, "0123456789") != "" {
		return fieldErr("sip_id", "must be digits only")
	}
	title, start, end, tz, rec, lang := m.Title, m.Start.Format(time.RFC3339Nano), m.End.Format(time.RFC3339Nano), m.TimeZone, m.Recurrence, m.Lang
	check := *m
	return check.set(Patch{Title: &title, Start: &start, End: &end, TimeZone: &tz, Recurrence: &rec, Lang: &lang})
}

// LoadZone loads an IANA time zone by name, refusing "Local" (the server's zone
// means nothing to the attendees) and anything that is not a plain zone name.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > 64 || strings.Trim(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") != "" {
		return nil, fieldErr("time_zone", "%q is not an IANA time zone name like \"Europe/Paris\"", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fieldErr("time_zone", "unknown time zone %q", name)
	}
	return loc, nil
}

// localLayouts are accepted for times without an offset, read in the meeting's zone.
var localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04"}

func parseTime(field, value string, loc *time.Location) (time.Time, error) {
	if value == "" {
		return time.Time{}, fieldErr(field, "must not be empty")
	}
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		for _, layout := range localLayouts {
			if t, err = time.ParseInLocation(layout, value, loc); err == nil {
				break
			}
		}
	}
	if err != nil {
		return time.Time{}, fieldErr(field, "%q is not an RFC 3339 date-time like \"2026-12-01T10:00:00+01:00\"", value)
	}
	// Calendars carry whole seconds only.
	t = t.In(loc).Truncate(time.Second)
	if y := t.Year(); y < minYear || y >= maxYear {
		return time.Time{}, fieldErr(field, "year %d is out of range %d-%d", y, minYear, maxYear-1)
	}
	return t, nil
}

func validateTitle(title string) (string, error) {
	title = strings.TrimSpace(title)
	switch {
	case title == "":
		return "", fieldErr("title", "must not be empty")
	case !utf8.ValidString(title):
		return "", fieldErr("title", "is not valid UTF-8")
	case utf8.RuneCountInString(title) > MaxTitleLen:
		return "", fieldErr("title", "longer than %d characters", MaxTitleLen)
	}
	if err := label.Check(title, MaxTitleLen); err != nil {
		return "", fieldErr("title", "%v", err)
	}
	return title, nil
}

// String is for logs.
func (m *Meeting) String() string {
	return fmt.Sprintf("meeting %s %q in room %s", m.ID, m.Title, m.Room)
}
