package meeting

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestInviteEscapesHTML(t *testing.T) {
	in := validInput()
	in.Title = `<script>alert("x")</script> & co`
	m := fixedMeeting(t, in)
	inv := testConfig.Invite(m)
	if strings.Contains(inv.HTML, "<script>") || !strings.Contains(inv.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co") {
		t.Errorf("title not escaped in HTML:\n%s", inv.HTML)
	}
	if !strings.HasPrefix(inv.Text, in.Title+"\n") {
		t.Errorf("plain text must keep the title as is:\n%s", inv.Text)
	}
}

func TestInviteEnglish(t *testing.T) {
	m := fixedMeeting(t, validInput())
	inv := testConfig.Invite(m)
	want := "Weekly sync\n" +
		"Tuesday, December 1, 2026, 10:00 – 11:00 (Europe/Paris)\n" +
		"\n" +
		"Join the meeting: https://meet.example.com/abc-defg-hij\n" +
		"Join from a video conferencing system:\n" +
		"sip:1234567890@sip.example.com\n" +
		"Join by phone: +33 1 23 45 67 89, PIN: 1234567890#\n"
	if inv.Text != want {
		t.Errorf("text =\n%s\nwant\n%s", inv.Text, want)
	}
	for _, s := range []string{`<a href="https://meet.example.com/abc-defg-hij">`, `<a href="sip:1234567890@sip.example.com">`, `<a href="tel:+33123456789">`} {
		if !strings.Contains(inv.HTML, s) {
			t.Errorf("HTML lacks %s:\n%s", s, inv.HTML)
		}
	}
}

func TestInviteFrenchRecurringOverMidnight(t *testing.T) {
	in := validInput()
	in.Lang, in.Start, in.End, in.Recurrence = LangFrench, "2026-12-31T23:00", "2027-01-01T00:30", "FREQ=YEARLY"
	m := fixedMeeting(t, in)
	inv := testConfig.Invite(m)
	for _, s := range []string{
		"jeudi 31 décembre 2026, 23:00 – vendredi 1 janvier 2027, 00:30 (Europe/Paris)",
		"Réunion récurrente",
		"Rejoindre la réunion\u00a0: https://meet.example.com/abc-defg-hij",
		"Rejoindre par téléphone\u00a0: +33 1 23 45 67 89, code\u00a0: 1234567890#",
	} {
		if !strings.Contains(inv.Text, s) {
			t.Errorf("French text lacks %q:\n%s", s, inv.Text)
		}
	}
}

func TestInviteCancelled(t *testing.T) {
	m := fixedMeeting(t, validInput())
	if err := m.Cancel(now); err != nil {
		t.Fatal(err)
	}
	inv := testConfig.Invite(m)
	if !strings.HasPrefix(inv.Text, "This meeting has been cancelled.") || !strings.Contains(inv.HTML, "cancelled") {
		t.Errorf("cancelled invite does not say so:\n%s\n%s", inv.Text, inv.HTML)
	}
}

func TestViewDerivesLinks(t *testing.T) {
	m := fixedMeeting(t, validInput())
	v := testConfig.View(m)
	if v.JoinURL != "https://meet.example.com/abc-defg-hij" ||
		v.SIPURI != "sip:1234567890@sip.example.com" ||
		v.ICSURL != "https://meet.example.com/api/v1/meetings/mtg_abcdefghjkmnpqrstuvw/invite.ics" ||
		v.DialIn == nil || v.DialIn.PIN != "1234567890" || v.DialIn.Number != "+33 1 23 45 67 89" {
		t.Fatalf("view = %+v", v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "title", "start", "end", "time_zone", "room", "sip_id", "sequence", "status",
		"join_url", "sip_uri", "dial_in", "ics_url", "invite"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}

	bare := Config{PublicURL: "https://meet.example.com"}.View(m)
	if bare.SIPURI != "" || bare.DialIn != nil {
		t.Errorf("SIP/dial-in without configuration: %+v", bare)
	}
}

func TestViewHidesIdempotencyKey(t *testing.T) {
	m := fixedMeeting(t, validInput())
	m.IdempotencyKey = "devkey:abc"
	b, err := json.Marshal(testConfig.View(m))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "devkey") || strings.Contains(string(b), "idempotency") {
		t.Errorf("view leaks the idempotency key: %s", b)
	}
	if m.IdempotencyKey != "devkey:abc" {
		t.Error("View changed the meeting")
	}
}
