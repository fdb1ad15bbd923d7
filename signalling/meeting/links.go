package meeting

import (
	"net/url"
	"strings"
)

// Config says where meetings are reached. It comes from the server configuration
// (public_url, sip.domain, telephony).
type Config struct {
	PublicURL   string // base URL of the web app, e.g. "https://meet.example.com" (no trailing slash needed)
	SIPDomain   string // e.g. "sip.example.com"; empty: meetings get no SIP URI
	PhoneNumber string // dial-in number in E.164, e.g. "+33 1 23 45 67 89"; empty: no dial-in
	// ProductID is the iCalendar PRODID; default "-//Ensemble//Meetings 1.0//EN".
	ProductID string
	// OrganizerEmail, when set, becomes the ORGANIZER of the event (mailto:). Outlook
	// shows requests without an organizer as plain appointments, which is fine.
	OrganizerEmail string
	OrganizerName  string
}

// DialIn is how to join by phone: call Number, then type PIN followed by '#'.
type DialIn struct {
	Number string `json:"number"`
	PIN    string `json:"pin"`
}

// Invite is a ready-made invitation to paste into a calendar event.
type Invite struct {
	Text string `json:"text"`
	HTML string `json:"html"`
}

// View is a meeting with everything derived from it: the JSON the API returns.
type View struct {
	*Meeting
	JoinURL string  `json:"join_url"`
	SIPURI  string  `json:"sip_uri,omitempty"`
	DialIn  *DialIn `json:"dial_in,omitempty"`
	ICSURL  string  `json:"ics_url"`
	// Location is what calendars put in an event's location (the join URL and the SIP
	// URI), as in the .ics LOCATION.
	Location string `json:"location"`
	Invite   Invite `json:"invite"`
}

// View derives the links and the invitation of m. The idempotency key and the owner
// stay internal: they are left out of the view (the key may embed the caller's API key).
func (c Config) View(m *Meeting) View {
	public := *m
	public.IdempotencyKey = ""
	public.Owner = ""
	v := View{
		Meeting: &public,
		JoinURL: c.JoinURL(m),
		SIPURI:  c.SIPURI(m),
		DialIn:  c.DialIn(m),
		ICSURL:  c.ICSURL(m),
	}
	v.Location = c.Location(m)
	v.Invite = c.Invite(m)
	return v
}

func (c Config) base() string {
	return strings.TrimRight(c.PublicURL, "/")
}

// JoinURL is PublicURL + "/" + room.
func (c Config) JoinURL(m *Meeting) string {
	return c.base() + "/" + url.PathEscape(m.Room)
}

// ICSURL is where the API serves the meeting's .ics.
func (c Config) ICSURL(m *Meeting) string {
	return c.base() + "/api/v1/meetings/" + url.PathEscape(m.ID) + "/invite.ics"
}

// SIPURI is "sip:<sip id>@<sip domain>", or "" without a SIP domain or SIP id.
func (c Config) SIPURI(m *Meeting) string {
	if c.SIPDomain == "" || m.SIPID == "" {
		return ""
	}
	return "sip:" + m.SIPID + "@" + c.SIPDomain
}

// DialIn is nil unless telephony is configured (PhoneNumber) and m has a SIP id,
// which is also the PIN: the SIP bridge maps the PIN to the meeting with
// store.GetMeetingBySIPID.
func (c Config) DialIn(m *Meeting) *DialIn {
	if c.PhoneNumber == "" || m.SIPID == "" {
		return nil
	}
	return &DialIn{Number: c.PhoneNumber, PIN: m.SIPID}
}

// uidDomain is the right-hand side of iCalendar UIDs: the public host, so that UIDs of
// two installations never collide.
func (c Config) uidDomain() string {
	if u, err := url.Parse(c.PublicURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "ensemble.invalid"
}

// UID is the stable iCalendar UID of m: "<id>@<public host>".
func (c Config) UID(m *Meeting) string {
	return m.ID + "@" + c.uidDomain()
}

func (c Config) productID() string {
	if c.ProductID != "" {
		return c.ProductID
	}
	return "-//Ensemble//Meetings 1.0//EN"
}
