package meeting

import (
	"fmt"
	"strings"
	"time"
)

// ContentType is the media type of ICS output.
const ContentType = "text/calendar; charset=utf-8"

const (
	icsUTC   = "20060102T150405Z"
	icsLocal = "20060102T150405"
)

// utcZones are zone names written as UTC times ("...Z") without a VTIMEZONE.
var utcZones = map[string]bool{"UTC": true, "Etc/UTC": true, "Etc/UCT": true, "UCT": true,
	"Zulu": true, "Etc/Zulu": true, "Universal": true, "Etc/Universal": true}

// ICS renders m as an iCalendar object (RFC 5545) for an iTIP request (RFC 5546):
// METHOD:REQUEST, or METHOD:CANCEL once m is cancelled. The UID is stable and
// SEQUENCE grows with each change, so calendars update the event they already have.
//
// DTSTAMP is m.UpdatedAt, which makes the output a pure function of m (cacheable,
// golden-testable).
func (c Config) ICS(m *Meeting) ([]byte, error) {
	loc, err := LoadZone(m.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("ics for %s: %w", m.ID, err)
	}
	w := &icsWriter{}
	w.line("BEGIN", "VCALENDAR")
	w.text("PRODID", c.productID())
	w.line("VERSION", "2.0")
	w.line("CALSCALE", "GREGORIAN")
	if m.Status == StatusCancelled {
		w.line("METHOD", "CANCEL")
	} else {
		w.line("METHOD", "REQUEST")
	}

	utc := utcZones[m.TimeZone]
	if !utc {
		writeVTimezone(w, loc, m.Start)
	}
	w.line("BEGIN", "VEVENT")
	w.text("UID", c.UID(m))
	w.line("DTSTAMP", stamp(m).UTC().Format(icsUTC))
	if !m.CreatedAt.IsZero() {
		w.line("CREATED", m.CreatedAt.UTC().Format(icsUTC))
	}
	if !m.UpdatedAt.IsZero() {
		w.line("LAST-MODIFIED", m.UpdatedAt.UTC().Format(icsUTC))
	}
	if utc {
		w.line("DTSTART", m.Start.UTC().Format(icsUTC))
		w.line("DTEND", m.End.UTC().Format(icsUTC))
	} else {
		tzid := "TZID=" + paramValue(loc.String())
		w.line("DTSTART;"+tzid, m.Start.In(loc).Format(icsLocal))
		w.line("DTEND;"+tzid, m.End.In(loc).Format(icsLocal))
	}
	if m.Recurrence != "" {
		w.line("RRULE", m.Recurrence)
	}
	w.text("SUMMARY", m.Title)
	join, sipURI, dial := c.JoinURL(m), c.SIPURI(m), c.DialIn(m)
	w.text("LOCATION", c.Location(m))
	w.text("DESCRIPTION", c.joinText(m))
	w.line("URL;VALUE=URI", join)
	if c.OrganizerEmail != "" {
		org := "ORGANIZER"
		if c.OrganizerName != "" {
			org += ";CN=" + paramValue(c.OrganizerName)
		}
		w.line(org, "mailto:"+c.OrganizerEmail)
	}
	// RFC 7986 CONFERENCE: clients that know it (Thunderbird, Apple) show join buttons.
	w.line("CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Web", join)
	if sipURI != "" {
		w.line("CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=SIP", sipURI)
		w.text("X-SIP-URI", sipURI)
	}
	if dial != nil {
		w.line("CONFERENCE;VALUE=URI;FEATURE=PHONE;LABEL="+paramValue("PIN "+dial.PIN+"#"), telURI(dial.Number))
	}
	w.line("SEQUENCE", fmt.Sprint(m.Sequence))
	if m.Status == StatusCancelled {
		w.line("STATUS", "CANCELLED")
	} else {
		w.line("STATUS", "CONFIRMED")
	}
	w.line("TRANSP", "OPAQUE")
	w.line("END", "VEVENT")
	w.line("END", "VCALENDAR")
	return []byte(w.String()), nil
}

func stamp(m *Meeting) time.Time {
	switch {
	case !m.UpdatedAt.IsZero():
		return m.UpdatedAt
	case !m.CreatedAt.IsZero():
		return m.CreatedAt
	}
	return m.Start
}

// Location is the LOCATION of invites (and what the Outlook add-in writes in the
// appointment's location): the join URL, and the SIP URI after " | " when there is
// one, each delimited by spaces so that room systems that look for a sip: URI in
// the location find it whole.
func (c Config) Location(m *Meeting) string {
	if sipURI := c.SIPURI(m); sipURI != "" {
		return c.JoinURL(m) + " | " + sipURI
	}
	return c.JoinURL(m)
}

// joinText is the DESCRIPTION: how to join, one way per line.
func (c Config) joinText(m *Meeting) string {
	l, colon := labelsFor(m.Lang)
	var lines []string
	if m.Status == StatusCancelled {
		lines = append(lines, l.cancelled, "")
	}
	lines = append(lines, l.join+colon+c.JoinURL(m))
	if sipURI := c.SIPURI(m); sipURI != "" {
		// The URI alone on its line: room systems' calendar readers (Cisco OBTP,
		// Poly) pick sip: URIs out of the body, and stop at the first odd character.
		lines = append(lines, l.sip+strings.TrimRight(colon, " "), sipURI)
	}
	if dial := c.DialIn(m); dial != nil {
		lines = append(lines, fmt.Sprintf("%s%s%s, %s%s%s#", l.phone, colon, dial.Number, l.pin, colon, dial.PIN))
	}
	return strings.Join(lines, "\n")
}
