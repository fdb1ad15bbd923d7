package api

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/emersion/go-ical"

	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/oidcauth"
)

// session mints a session token for a person of the provider (the sign-in itself
// is tested against a real provider in oidcauth and in the browser tests).
func (e *env) session(subject, email string) string {
	e.t.Helper()
	_, v, err := e.deps.Sessions.NewSession(oidcauth.Identity{Subject: subject, Email: email, EmailVerified: true, Name: subject})
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

const weekly = `{"title":"Équipe","start":"2030-03-04T10:00","end":"2030-03-04T11:00","time_zone":"Europe/Paris","recurrence":"FREQ=WEEKLY;BYDAY=MO","lang":"fr"}`

type hostMeeting struct {
	ID       string `json:"id"`
	Room     string `json:"room"`
	Title    string `json:"title"`
	Sequence int    `json:"sequence"`
	Status   string `json:"status"`
	Owner    string `json:"owner"`
	JoinURL  string `json:"join_url"`
	ICSURL   string `json:"ics_url"`
}

// A host schedules a meeting: its room is theirs (lobby on), the list shows it to
// them alone, a change and a cancellation give the .ics the right SEQUENCE and
// METHOD, read back with go-ical.
func TestHostSchedulesEditsAndCancels(t *testing.T) {
	e := newEnv(t)
	helene := e.session("u-helene", "helene@staff.example")
	other := e.session("u-henri", "henri@staff.example")

	var m hostMeeting
	e.do("POST", "/api/host/meetings", helene, weekly).ok(t, 201, &m)
	if m.Owner != "" || m.Sequence != 0 || m.Title != "Équipe" {
		t.Fatalf("created %+v", m)
	}
	rec, err := e.store.GetRoom(t.Context(), m.Room)
	if err != nil || rec.Owner != "oidc:u-helene" || !rec.Lobby || rec.GuestPolicy != "allow" {
		t.Fatalf("room %+v %v", rec, err)
	}

	var list HostMeetingList
	e.do("GET", "/api/host/meetings", helene, "").ok(t, 200, &list)
	if len(list.Meetings) != 1 || list.Meetings[0].ID != m.ID {
		t.Fatalf("helene's list %+v", list)
	}
	e.do("GET", "/api/host/meetings", other, "").ok(t, 200, &list)
	if len(list.Meetings) != 0 {
		t.Fatalf("henri sees %+v", list)
	}
	// Henri cannot change or cancel Hélène's meeting: it does not exist for him.
	e.do("PATCH", "/api/host/meetings/"+m.ID, other, `{"title":"Mine"}`).problem(t, 404, "meeting_not_found")
	e.do("DELETE", "/api/host/meetings/"+m.ID, other, "").problem(t, 404, "meeting_not_found")

	ics := func() *ical.Event {
		t.Helper()
		r := e.do("GET", "/api/v1/meetings/"+m.ID+"/invite.ics", "", "")
		cal, err := ical.NewDecoder(bytes.NewReader(r.body)).Decode()
		if err != nil {
			t.Fatalf("go-ical: %v\n%s", err, r.body)
		}
		method, _ := cal.Props.Text(ical.PropMethod)
		events := cal.Events()
		if len(events) != 1 {
			t.Fatalf("%d events", len(events))
		}
		events[0].Props.SetText("X-TEST-METHOD", method)
		return &events[0]
	}
	prop := func(ev *ical.Event, name string) string {
		p := ev.Props.Get(name)
		if p == nil {
			return ""
		}
		return p.Value
	}
	ev := ics()
	if prop(ev, "X-TEST-METHOD") != "REQUEST" || prop(ev, ical.PropSequence) != "0" || prop(ev, ical.PropRecurrenceRule) != "FREQ=WEEKLY;BYDAY=MO" {
		t.Fatalf("first invite: %v", ev.Props)
	}

	e.do("PATCH", "/api/host/meetings/"+m.ID, helene, `{"start":"2030-03-04T14:00","end":"2030-03-04T15:00"}`).ok(t, 200, &m)
	ev = ics()
	start, err := ev.DateTimeStart(nil)
	if m.Sequence != 1 || prop(ev, ical.PropSequence) != "1" || prop(ev, "X-TEST-METHOD") != "REQUEST" || err != nil || start.Hour() != 14 {
		t.Fatalf("after the move: seq %d, %v (start %v %v)", m.Sequence, ev.Props, start, err)
	}

	e.do("DELETE", "/api/host/meetings/"+m.ID, helene, "").ok(t, 200, &m)
	ev = ics()
	if m.Status != "cancelled" || prop(ev, ical.PropSequence) != "2" || prop(ev, "X-TEST-METHOD") != "CANCEL" || prop(ev, ical.PropStatus) != "CANCELLED" {
		t.Fatalf("after cancel: %+v %v", m, ev.Props)
	}
	e.do("GET", "/api/host/meetings", helene, "").ok(t, 200, &list)
	if len(list.Meetings) != 0 {
		t.Fatalf("a cancelled meeting is listed: %+v", list)
	}
	e.do("DELETE", "/api/host/meetings/"+m.ID, helene, "").problem(t, 409, "meeting_cancelled")
}

// Who may use the host routes: not an API token, not a signed-in non-host, not
// another site's page, not a forged or expired session.
func TestHostRoutesRefuseNonHosts(t *testing.T) {
	e := newEnv(t)
	body := `{"instant":true}`
	e.do("POST", "/api/host/meetings", "", body).problem(t, 401, "not_signed_in")
	e.do("POST", "/api/host/meetings", e.admin, body).problem(t, 401, "not_signed_in")
	gaston := e.session("u-gaston", "gaston@elsewhere.example")
	e.do("POST", "/api/host/meetings", gaston, body).problem(t, 403, "not_a_host")
	e.do("GET", "/api/host/meetings", gaston, "").problem(t, 403, "not_a_host")

	helene := e.session("u-helene", "helene@staff.example")
	e.do("POST", "/api/host/meetings", helene, body, "Origin", "https://evil.example").problem(t, 403, "cross_origin")
	forged := helene[:len(helene)-4] + "AAAA"
	e.do("POST", "/api/host/meetings", forged, body).problem(t, 401, "invalid_session")

	// With a cookie as well as a bearer token.
	req, _ := http.NewRequestWithContext(t.Context(), "GET", e.url+"/api/host/meetings", nil)
	req.AddCookie(&http.Cookie{Name: oidcauth.SessionCookie, Value: forged})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("forged cookie: %s", resp.Status)
	}

	e2 := newEnv(t, func(d *Deps) { d.Sessions = nil })
	e2.do("GET", "/api/host/meetings", helene, "").problem(t, 404, "sign_in_disabled")
}

// The add-in sends its appointment's key: pressing the button twice makes one
// meeting, and the same key with new times moves it (SEQUENCE grows).
func TestHostCreateIsIdempotentAndUpdatesOnReplay(t *testing.T) {
	e := newEnv(t)
	helene := e.session("u-helene", "helene@staff.example")
	body := `{"title":"Budget","start":"2030-05-02T09:00:00Z","end":"2030-05-02T10:00:00Z"}`
	var a, b, c hostMeeting
	e.do("POST", "/api/host/meetings", helene, body, "Idempotency-Key", "outlook:AAMk1").ok(t, 201, &a)
	e.do("POST", "/api/host/meetings", helene, body, "Idempotency-Key", "outlook:AAMk1").ok(t, 200, &b)
	if a.ID != b.ID || b.Sequence != 0 {
		t.Fatalf("replay made %+v after %+v", b, a)
	}
	moved := strings.ReplaceAll(body, "T09:", "T13:")
	moved = strings.ReplaceAll(moved, "T10:", "T14:")
	e.do("POST", "/api/host/meetings", helene, moved, "Idempotency-Key", "outlook:AAMk1").ok(t, 200, &c)
	if c.ID != a.ID || c.Sequence != 1 {
		t.Fatalf("moved replay %+v", c)
	}
	got, err := e.store.GetMeeting(t.Context(), a.ID)
	if err != nil || got.Start.Hour() != 13 {
		t.Fatalf("stored %+v %v", got, err)
	}
	// Another host's same key is another meeting.
	var d hostMeeting
	e.do("POST", "/api/host/meetings", e.session("u-henri", "henri@staff.example"), body, "Idempotency-Key", "outlook:AAMk1").ok(t, 201, &d)
	if d.ID == a.ID {
		t.Fatal("two hosts share a meeting through a key")
	}
}

// An instant meeting starts now for an hour, titled in the host's language.
func TestHostInstantMeeting(t *testing.T) {
	e := newEnv(t)
	var v meeting.View
	e.do("POST", "/api/host/meetings", e.session("u-helene", "helene@staff.example"), `{"instant":true,"lang":"fr","lobby":false}`).ok(t, 201, &v)
	if v.Title != "Réunion instantanée" || v.End.Sub(v.Start) != InstantDuration || v.Lang != "fr" {
		t.Fatalf("instant %+v", v.Meeting)
	}
	rec, _ := e.store.GetRoom(t.Context(), v.Room)
	if rec.Lobby {
		t.Fatal("lobby:false ignored")
	}
}

// The owner joining their room gets a room admin's token, even in a room closed to
// guests; another host, a non-host and a stranger get a guest's (or nothing).
func TestOwnerJoinsAsRoomAdmin(t *testing.T) {
	e := newEnv(t)
	helene := e.session("u-helene", "helene@staff.example")
	var m hostMeeting
	e.do("POST", "/api/host/meetings", helene, `{"instant":true,"guest_policy":"deny"}`).ok(t, 201, &m)

	join := func(session string) response {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", e.url+"/api/rooms/"+m.Room+"/join", strings.NewReader(`{"name":"Hélène"}`))
		req.Header.Set("Content-Type", "application/json")
		if session != "" {
			req.AddCookie(&http.Cookie{Name: oidcauth.SessionCookie, Value: session})
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return response{status: resp.StatusCode, header: resp.Header, body: b.Bytes()}
	}
	var got GuestJoinResponse
	join(helene).ok(t, 200, &got)
	claims, err := e.deps.Verifier.Verify(got.Token)
	if err != nil || !got.Host || !claims.Grants.RoomAdmin || claims.Room != m.Room || !strings.HasPrefix(got.Identity, "host-") {
		t.Fatalf("owner join %+v %+v %v", got, claims, err)
	}
	join(e.session("u-henri", "henri@staff.example")).problem(t, 403, "guests_not_allowed")
	join("").problem(t, 403, "guests_not_allowed")

	// In a room open to guests, a signed-in non-owner is a guest.
	e.do("POST", "/api/host/meetings", helene, `{"instant":true}`).ok(t, 201, &m)
	got = GuestJoinResponse{}
	join(e.session("u-gaston", "gaston@elsewhere.example")).ok(t, 200, &got)
	claims, _ = e.deps.Verifier.Verify(got.Token)
	if got.Host || claims.Grants.RoomAdmin {
		t.Fatalf("non-owner join %+v", got)
	}
}
