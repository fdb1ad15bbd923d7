package api

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

const meetingBody = `{"title":"Weekly sync","start":"2026-12-01T10:00:00+01:00","end":"2026-12-01T11:00:00+01:00",
	"time_zone":"Europe/Paris","recurrence":"FREQ=WEEKLY;BYDAY=TU"}`

func telephony(d *Deps) {
	d.PublicURL = "https://meet.example.com"
	d.SIPDomain = "sip.example.com"
	d.PhoneNumber = "+33 1 23 45 67 89"
}

func TestCreateMeeting(t *testing.T) {
	e := newEnv(t, telephony)
	var v meeting.View
	r := e.do("POST", "/api/v1/meetings", e.token("", "room_create"), meetingBody)
	r.ok(t, http.StatusCreated, &v)
	if !strings.HasPrefix(v.ID, "mtg_") || v.Title != "Weekly sync" || v.Status != meeting.StatusConfirmed || v.Sequence != 0 {
		t.Fatalf("meeting = %+v", v.Meeting)
	}
	if !regexp.MustCompile(`^[a-z]{3}-[a-z]{4}-[a-z]{3}$`).MatchString(v.Room) {
		t.Fatalf("room %q", v.Room)
	}
	if v.JoinURL != "https://meet.example.com/"+v.Room || v.SIPURI != "sip:"+v.SIPID+"@sip.example.com" ||
		v.DialIn == nil || v.DialIn.PIN != v.SIPID || v.ICSURL != "https://meet.example.com/api/v1/meetings/"+v.ID+"/invite.ics" {
		t.Fatalf("links = %q %q %+v %q", v.JoinURL, v.SIPURI, v.DialIn, v.ICSURL)
	}
	if !strings.Contains(v.Invite.Text, v.JoinURL) || !strings.Contains(v.Invite.HTML, "Weekly sync") {
		t.Fatalf("invite = %+v", v.Invite)
	}
	if r.header.Get("Location") != "/api/v1/meetings/"+v.ID {
		t.Fatalf("Location %q", r.header.Get("Location"))
	}
	rec, err := e.store.GetRoom(t.Context(), v.Room)
	if err != nil || rec.GuestPolicy != store.GuestAllow {
		t.Fatalf("meeting room record = %+v, %v", rec, err)
	}
	var got meeting.View
	e.do("GET", "/api/v1/meetings/"+v.ID, e.token("", "room_list"), "").ok(t, 200, &got)
	if got.ID != v.ID || got.Room != v.Room {
		t.Fatalf("get = %+v", got.Meeting)
	}
	// The SIP bridge finds the meeting by the number it was called at.
	var bySIP meeting.View
	e.do("GET", "/api/v1/meetings/"+v.SIPID, e.token("", "room_list"), "").ok(t, 200, &bySIP)
	if bySIP.ID != v.ID {
		t.Fatalf("get by SIP id = %+v", bySIP.Meeting)
	}
	e.do("GET", "/api/v1/meetings/1234", e.token("", "room_list"), "").ok(t, 404, nil)
	e.do("GET", "/api/v1/meetings/"+v.SIPID, e.token("other-room", "room_list"), "").ok(t, 404, nil)
}

func TestMeetingWithoutTelephonyHasNoDialIn(t *testing.T) {
	e := newEnv(t)
	var v meeting.View
	e.do("POST", "/api/v1/meetings", e.admin, `{"title":"t","start":"2026-12-01T10:00:00Z","end":"2026-12-01T10:30:00Z","room":"my-room","lobby":true,"guest_policy":"deny"}`).
		ok(t, 201, &v)
	if v.DialIn != nil || v.SIPURI != "" || v.Room != "my-room" || !strings.HasPrefix(v.JoinURL, e.url+"/") {
		t.Fatalf("view = %+v", v)
	}
	rec, _ := e.store.GetRoom(t.Context(), "my-room")
	if !rec.Lobby || rec.GuestPolicy != store.GuestDeny {
		t.Fatalf("room = %+v", rec)
	}
	// A second meeting in the same room keeps that room.
	e.do("POST", "/api/v1/meetings", e.admin, `{"title":"t2","start":"2026-12-02T10:00:00Z","end":"2026-12-02T10:30:00Z","room":"my-room"}`).ok(t, 201, &v)
	rec, _ = e.store.GetRoom(t.Context(), "my-room")
	if !rec.Lobby {
		t.Fatalf("room changed: %+v", rec)
	}
}

func TestCreateMeetingIsIdempotent(t *testing.T) {
	e := newEnv(t)
	tok := e.token("", "room_create")
	var first, again meeting.View
	e.do("POST", "/api/v1/meetings", tok, meetingBody, "Idempotency-Key", "k-1").ok(t, 201, &first)
	e.do("POST", "/api/v1/meetings", tok, meetingBody, "Idempotency-Key", "k-1").ok(t, 200, &again)
	if again.ID != first.ID || again.Room != first.Room || again.SIPID != first.SIPID {
		t.Fatalf("replay made another meeting: %s vs %s", again.ID, first.ID)
	}
	// Same key, another body: refused, nothing created.
	e.do("POST", "/api/v1/meetings", tok, strings.Replace(meetingBody, "Weekly sync", "Other", 1), "Idempotency-Key", "k-1").
		problem(t, 422, "idempotency_key_reused", "Idempotency-Key")
	// Another API key with the same Idempotency-Key gets its own meeting.
	other := newEnvKeysToken(t, e)
	var third meeting.View
	e.do("POST", "/api/v1/meetings", other, meetingBody, "Idempotency-Key", "k-1").ok(t, 201, &third)
	if third.ID == first.ID {
		t.Fatal("idempotency keys are not scoped per API key")
	}
	ms, _ := e.store.ListMeetings(t.Context())
	rooms, _ := e.store.ListRooms(t.Context())
	if len(ms) != 2 || len(rooms) != 2 {
		t.Fatalf("%d meetings, %d rooms; want 2 and 2", len(ms), len(rooms))
	}
	e.do("POST", "/api/v1/meetings", tok, meetingBody, "Idempotency-Key", strings.Repeat("k", 129)).
		problem(t, 400, "invalid_header", "Idempotency-Key")
}

// newEnvKeysToken returns a room_create token of a second API key that e accepts.
func newEnvKeysToken(t *testing.T, e *env) string {
	t.Helper()
	// The verifier only knows testKey; build a second handler sharing the store.
	keys := auth.Keys{testKey: testSecret, "second": "second-secret-0123456789abcdef0123"}
	e.deps.Verifier = auth.NewVerifier(keys)
	e.url = newServer(t, e.deps)
	tok, err := auth.Sign("second", keys["second"], auth.TokenParams{Grants: auth.Grants{RoomCreate: true}})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestConcurrentCreatesWithOneKeyMakeOneMeeting(t *testing.T) {
	e := newEnv(t)
	tok := e.token("", "room_create")
	const n = 12
	var wg sync.WaitGroup
	statuses := make([]int, n)
	ids := make([]string, n)
	for i := range n {
		wg.Go(func() {
			var v meeting.View
			r := e.do("POST", "/api/v1/meetings", tok, meetingBody, "Idempotency-Key", "same-key")
			statuses[i] = r.status
			if r.status == 200 || r.status == 201 {
				r.ok(t, r.status, &v)
				ids[i] = v.ID
			}
		})
	}
	wg.Wait()
	created := 0
	for i := range n {
		switch statuses[i] {
		case 201:
			created++
		case 200:
		default:
			t.Fatalf("request %d: status %d", i, statuses[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("request %d got meeting %s, request 0 got %s", i, ids[i], ids[0])
		}
	}
	if created != 1 {
		t.Fatalf("%d requests created a meeting, want 1", created)
	}
	ms, _ := e.store.ListMeetings(t.Context())
	rooms, _ := e.store.ListRooms(t.Context())
	if len(ms) != 1 || len(rooms) != 1 {
		t.Fatalf("%d meetings and %d rooms stored, want 1 and 1", len(ms), len(rooms))
	}
}

func TestCreateMeetingRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
		field      string
	}{
		{"end before start", `{"title":"t","start":"2026-12-01T10:00:00Z","end":"2026-12-01T09:00:00Z"}`, 422, "invalid_field", "end"},
		{"bad start", `{"title":"t","start":"tomorrow","end":"2026-12-01T09:00:00Z"}`, 422, "invalid_field", "start"},
		{"no title", `{"start":"2026-12-01T10:00:00Z","end":"2026-12-01T11:00:00Z"}`, 422, "invalid_field", "title"},
		{"bad zone", `{"title":"t","start":"2026-12-01T10:00:00Z","end":"2026-12-01T11:00:00Z","time_zone":"Mars/Olympus"}`, 422, "invalid_field", "time_zone"},
		{"bad rrule", `{"title":"t","start":"2026-12-01T10:00:00Z","end":"2026-12-01T11:00:00Z","recurrence":"FREQ=SOMETIMES"}`, 422, "invalid_field", "recurrence"},
		{"bad room", `{"title":"t","start":"2026-12-01T10:00:00Z","end":"2026-12-01T11:00:00Z","room":"No Way"}`, 422, "invalid_field", "room"},
		{"bad guest policy", `{"title":"t","start":"2026-12-01T10:00:00Z","end":"2026-12-01T11:00:00Z","guest_policy":"some"}`, 422, "invalid_field", "guest_policy"},
		{"unknown field", `{"title":"t","start":"2026-12-01T10:00:00Z","end":"2026-12-01T11:00:00Z","location":"here"}`, 400, "unknown_field", "location"},
		{"wrong type", `{"title":5}`, 400, "invalid_type", "title"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.do("POST", "/api/v1/meetings", e.admin, tc.body, "Idempotency-Key", tc.name).problem(t, tc.status, tc.code, tc.field)
		})
	}
	e.do("POST", "/api/v1/meetings", e.token("", "room_list"), meetingBody).problem(t, 403, auth.CodeMissingGrant)
	ms, _ := e.store.ListMeetings(t.Context())
	rooms, _ := e.store.ListRooms(t.Context())
	if len(ms) != 0 || len(rooms) != 0 {
		t.Fatalf("refused requests left %d meetings and %d rooms", len(ms), len(rooms))
	}
}

func TestUpdateCancelAndICS(t *testing.T) {
	e := newEnv(t, telephony)
	var v meeting.View
	e.do("POST", "/api/v1/meetings", e.admin, meetingBody).ok(t, 201, &v)
	path := "/api/v1/meetings/" + v.ID

	r := e.do("GET", path+"/invite.ics", "", "")
	if r.status != 200 || r.header.Get("Content-Type") != meeting.ContentType {
		t.Fatalf("ics: %d %q", r.status, r.header.Get("Content-Type"))
	}
	ics := string(r.body)
	for _, want := range []string{"BEGIN:VCALENDAR", "METHOD:REQUEST", "SEQUENCE:0", "RRULE:FREQ=WEEKLY;BYDAY=TU"} {
		if !strings.Contains(ics, want) {
			t.Fatalf("ics lacks %q:\n%s", want, ics)
		}
	}

	var moved meeting.View
	e.do("PATCH", path, e.admin, `{"start":"2026-12-01T14:00:00+01:00","end":"2026-12-01T15:00:00+01:00"}`).ok(t, 200, &moved)
	if moved.Sequence != 1 || moved.Start.Hour() != 14 {
		t.Fatalf("moved = %+v", moved.Meeting)
	}
	e.do("PATCH", path, e.admin, `{"end":"2026-12-01T13:00:00+01:00"}`).problem(t, 422, "invalid_field", "end")
	e.do("PATCH", path, e.admin, `{"room":"elsewhere"}`).problem(t, 400, "unknown_field", "room")
	e.do("PATCH", "/api/v1/meetings/mtg_nope", e.admin, `{"title":"x"}`).problem(t, 404, "meeting_not_found")

	var cancelled meeting.View
	e.do("DELETE", path, e.admin, "").ok(t, 200, &cancelled)
	if cancelled.Status != meeting.StatusCancelled || cancelled.Sequence != 2 {
		t.Fatalf("cancelled = %+v", cancelled.Meeting)
	}
	ics = string(e.do("GET", path+"/invite.ics", "", "").body)
	for _, want := range []string{"METHOD:CANCEL", "STATUS:CANCELLED", "SEQUENCE:2"} {
		if !strings.Contains(ics, want) {
			t.Fatalf("cancelled ics lacks %q:\n%s", want, ics)
		}
	}
	e.do("DELETE", path, e.admin, "").problem(t, 409, "meeting_cancelled")
	e.do("PATCH", path, e.admin, `{"title":"again"}`).problem(t, 409, "meeting_cancelled")
	e.do("DELETE", "/api/v1/meetings/mtg_nope", e.admin, "").problem(t, 404, "meeting_not_found")
	e.do("GET", "/api/v1/meetings/mtg_nope", e.admin, "").problem(t, 404, "meeting_not_found")
	e.do("GET", "/api/v1/meetings/mtg_nope/invite.ics", "", "").problem(t, 404, "meeting_not_found")
	e.do("GET", path, "", "").problem(t, 401, auth.CodeMissingToken)
}

// The meeting's room record is written with the meeting (one transaction in the
// store; see the store's failpoint test): it exists as soon as the meeting does,
// with the guest policy and lobby the request asked for.
func TestMeetingRoomIsCreatedWithTheMeeting(t *testing.T) {
	e := newEnv(t)
	var m struct {
		Room string `json:"room"`
	}
	e.do("POST", "/api/v1/meetings", e.admin, strings.Replace(meetingBody, "{", `{"lobby":true,"guest_policy":"deny",`, 1)).ok(t, 201, &m)
	rec, err := e.store.GetRoom(t.Context(), m.Room)
	if err != nil {
		t.Fatalf("room of the meeting: %v", err)
	}
	if !rec.Lobby || rec.GuestPolicy != store.GuestDeny || rec.SID == "" {
		t.Fatalf("room record %+v", rec)
	}
}
