// Package meeting is the model of scheduled meetings and their calendar outputs,
// for calendar plugins (Outlook, Google Calendar, Thunderbird) and room systems.
//
// A Meeting has a title, a start and end instant, an IANA time zone, an optional
// RFC 5545 recurrence (RRULE), a readable room name ("abc-defg-hij") and a numeric
// SIP id. New and Apply validate input and return *FieldError naming the field at
// fault (the API answers 422 with it); Cancel marks it cancelled. Sequence counts
// changes, as iCalendar SEQUENCE.
//
// Config derives what people need to join: the join URL, the SIP URI, dial-in by phone
// (when telephony is configured), the .ics URL and an invitation text in English or
// French (Meeting.Lang). ICS renders an RFC 5545 iCalendar object (METHOD:REQUEST, or
// CANCEL once cancelled) with a VTIMEZONE built from Go's zone data.
//
// Room systems (Cisco, Poly, Teams Rooms) look for a SIP URI in LOCATION and
// DESCRIPTION: LOCATION is "<join URL> | <SIP URI>" (Config.Location), DESCRIPTION
// and the invitation text give the SIP URI alone on its own line, and the SIP URI is
// also in the non-standard property X-SIP-URI for tools that want it without parsing
// text (see docs/calendar-invites.md for what was checked).
//
//	m, err := meeting.New(meeting.Input{Title: "Weekly sync", Start: "2026-12-01T10:00",
//		End: "2026-12-01T11:00", TimeZone: "Europe/Paris", Recurrence: "FREQ=WEEKLY"}, "", time.Now())
//	// the store fills m.SIPID
//	cfg := meeting.Config{PublicURL: "https://meet.example.com", SIPDomain: "sip.example.com"}
//	ics, err := cfg.ICS(m) // text/calendar; charset=utf-8
//
// This package imports time/tzdata so that zones resolve in containers without
// /usr/share/zoneinfo.
package meeting
