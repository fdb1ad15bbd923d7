package web_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/emersion/go-ical"

	"github.com/ensemble-sfu/ensemble/internal/oidctest"
	"github.com/ensemble-sfu/ensemble/signalling/oidcauth"
)

// A staff member signs in through a real OpenID provider (its login form, code flow
// with PKCE), schedules a weekly meeting from the home page with the keyboard-usable
// form, sees it listed, copies the invitation and downloads the .ics (read back with
// ical.js from npm, and with go-ical), moves it (SEQUENCE 1, METHOD:REQUEST) and
// cancels it (SEQUENCE 2, METHOD:CANCEL).
func TestE2EHostSchedulesEditsAndCancels(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*e2eTimeout)
	defer cancel()
	srv := startServerWith(t, serverSetup{lobby: true, idp: oidctest.Start(t)})
	b := startBrowser(t, ctx)
	host := b.newPage("helene", true)
	host.signIn(srv.URL, oidctest.Host)
	host.waitJS("the host's home page", `__ensemble.screen === "host" && document.getElementById("upcoming-status").textContent === "No upcoming meetings."`, 10*time.Second)
	if got := eval[string](host, `document.getElementById("host-account").textContent`); got != "Signed in as Hélène Martin." {
		t.Errorf("account line %q", got)
	}
	// Every control of the form has a label.
	if unlabelled := eval[string](host, `[...document.querySelectorAll("#sch-form input, #sch-form select")]
		.filter(el => !el.labels || el.labels.length === 0).map(el => el.id).join()`); unlabelled != "" {
		t.Errorf("unlabelled controls: %s", unlabelled)
	}

	// Schedule: the title typed, the rest set, submitted with Enter.
	host.do(
		chromedp.Focus(chromedp.CSS("#sch-title")),
		chromedp.SendKeys(chromedp.CSS("#sch-title"), "Point d'équipe"),
		chromedp.SetValue(chromedp.CSS("#sch-date"), "2030-03-04"),
		chromedp.SetValue(chromedp.CSS("#sch-start"), "10:00"),
		chromedp.SetValue(chromedp.CSS("#sch-end"), "11:00"),
		chromedp.SetValue(chromedp.CSS("#sch-tz"), "Europe/Paris"),
		chromedp.SetValue(chromedp.CSS("#sch-rec"), "FREQ=WEEKLY"),
		chromedp.Focus(chromedp.CSS("#sch-title")),
		chromedp.KeyEvent(kb.Enter),
	)
	host.waitJS("the details", `!document.getElementById("details").hidden && document.getElementById("details-status").textContent === "Meeting ready."`, 10*time.Second)
	host.waitJS("the meeting listed", `document.querySelectorAll("#upcoming-list .meeting-item").length === 1`, 10*time.Second)
	if focused := eval[string](host, `document.activeElement.id`); focused != "details-heading" {
		t.Errorf("focus after scheduling on %q, want the details heading", focused)
	}
	details := eval[map[string]string](host, `({
		title: document.getElementById("details-heading").textContent,
		link: document.getElementById("details-link").href,
		sip: document.getElementById("details-sip").textContent,
		phone: document.getElementById("details-phone").textContent,
		item: document.querySelector("#upcoming-list .meeting-item h3").textContent,
		when: document.querySelector("#upcoming-list .meeting-item p").textContent,
		editLabel: document.querySelector("#upcoming-list .item-edit").getAttribute("aria-label"),
	})`)
	room := strings.TrimPrefix(details["link"], srv.URL+"/")
	if details["title"] != "Point d'équipe" || details["item"] != "Point d'équipe" || room == details["link"] ||
		!strings.HasPrefix(details["sip"], "sip:") || !strings.HasSuffix(details["sip"], "@sip.example.test") ||
		!strings.HasPrefix(details["phone"], "+33 1 23 45 67 89, PIN ") || !strings.Contains(details["when"], "10:00") ||
		!strings.Contains(details["when"], "(Europe/Paris)") || details["editLabel"] != "Edit Point d'équipe" {
		t.Fatalf("details %+v", details)
	}

	// Copy the invitation: the text holds the link and the SIP URI on its own line.
	host.do(chromedp.Click(chromedp.CSS("#details-copy")))
	host.waitJS("the copy", `document.getElementById("details-status").textContent.startsWith("Invitation cop") || document.getElementById("details-status").textContent.startsWith("Copy failed")`, 5*time.Second)
	copied := eval[string](host, `__ensemble.copied`)
	if !strings.Contains(copied, details["link"]) || !slices.Contains(strings.Split(copied, "\n"), details["sip"]) {
		t.Errorf("invitation text %q", copied)
	}

	// The .ics offered for download, read by ical.js and by go-ical.
	ics := func() string {
		t.Helper()
		return eval[string](host, `fetch(document.getElementById("details-ics").href).then(r => r.text())`)
	}
	if got := eval[string](host, `document.getElementById("details-ics").getAttribute("download")`); got != "invite.ics" {
		t.Errorf("download attribute %q", got)
	}
	reader := newICALPage(t, b)
	first := ics()
	ev := reader.parse(first)
	if ev.Method != "REQUEST" || ev.Sequence != 0 || ev.Summary != "Point d'équipe" || ev.RRule != "FREQ=WEEKLY" ||
		ev.TZID != "Europe/Paris" || ev.VTimezone != "Europe/Paris" || ev.Start != "2030-03-04T10:00:00" || ev.End != "2030-03-04T11:00:00" ||
		!slices.Contains(strings.Fields(ev.Location), details["sip"]) || !slices.Contains(strings.Split(ev.Description, "\n"), details["sip"]) ||
		ev.XSIPURI != details["sip"] || ev.Status != "CONFIRMED" {
		t.Fatalf("ical.js reads %+v", ev)
	}
	checkGoICal(t, first, "REQUEST", "0")

	// Edit with the keyboard: the item's Edit button fills the form; move to 14:00.
	host.do(chromedp.Focus(chromedp.CSS("#upcoming-list .item-edit")), chromedp.KeyEvent(kb.Enter))
	host.waitJS("the form in edit mode", `document.getElementById("sch-submit").textContent === "Save changes" && document.getElementById("sch-title").value === "Point d'équipe"`, 5*time.Second)
	if got := eval[string](host, `[document.getElementById("sch-date").value, document.getElementById("sch-start").value, document.getElementById("sch-tz").value, document.getElementById("sch-rec").value].join(" ")`); got != "2030-03-04 10:00 Europe/Paris FREQ=WEEKLY" {
		t.Errorf("edit form holds %q", got)
	}
	host.do(
		chromedp.SetValue(chromedp.CSS("#sch-start"), "14:00"),
		chromedp.SetValue(chromedp.CSS("#sch-end"), "15:30"),
		chromedp.Click(chromedp.CSS("#sch-submit")),
	)
	host.waitJS("the saved change", `document.getElementById("details-status").textContent.startsWith("Meeting updated") && document.querySelector("#upcoming-list .meeting-item p").textContent.includes("3:30")`, 10*time.Second)
	moved := ics()
	ev = reader.parse(moved)
	if ev.Method != "REQUEST" || ev.Sequence != 1 || ev.Start != "2030-03-04T14:00:00" || ev.End != "2030-03-04T15:30:00" || ev.RRule != "FREQ=WEEKLY" {
		t.Fatalf("after the edit ical.js reads %+v", ev)
	}
	checkGoICal(t, moved, "REQUEST", "1")

	// Cancel with the keyboard, confirming in place.
	host.do(chromedp.Focus(chromedp.CSS("#upcoming-list .item-cancel")), chromedp.KeyEvent(kb.Enter))
	host.waitJS("the confirmation", `document.activeElement && document.activeElement.classList.contains("confirm-yes")`, 5*time.Second)
	host.do(chromedp.KeyEvent(kb.Enter))
	host.waitJS("the cancellation", `document.getElementById("upcoming-status").textContent === "Meeting “Point d'équipe” cancelled." && document.querySelectorAll("#upcoming-list .meeting-item").length === 0`, 10*time.Second)
	cancelled := ics()
	ev = reader.parse(cancelled)
	if ev.Method != "CANCEL" || ev.Sequence != 2 || ev.Status != "CANCELLED" {
		t.Fatalf("after the cancellation ical.js reads %+v", ev)
	}
	checkGoICal(t, cancelled, "CANCEL", "2")
}

func checkGoICal(t *testing.T, text, method, sequence string) {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader([]byte(text))).Decode()
	if err != nil {
		t.Fatalf("go-ical: %v\n%s", err, text)
	}
	m, _ := cal.Props.Text(ical.PropMethod)
	evs := cal.Events()
	if m != method || len(evs) != 1 || evs[0].Props.Get(ical.PropSequence).Value != sequence {
		t.Fatalf("go-ical reads METHOD %s, %d events, %v", m, len(evs), evs)
	}
}

// The host starts an instant meeting, joins it from the app as its admin (the
// pre-join screen proposes her name) and admits from the lobby a guest who follows
// the link without signing in.
func TestE2EHostJoinsAndAdmitsGuest(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*e2eTimeout)
	defer cancel()
	srv := startServerWith(t, serverSetup{lobby: true, idp: oidctest.Start(t)})
	b := startBrowser(t, ctx)
	host := b.newPage("helene", true)
	host.signIn(srv.URL, oidctest.Host)
	host.waitJS("the host's home page", `__ensemble.screen === "host"`, 10*time.Second)
	host.do(chromedp.Click(chromedp.CSS("#host-instant")))
	host.waitJS("the instant meeting", `!document.getElementById("details").hidden && document.querySelectorAll("#upcoming-list .meeting-item").length === 1`, 10*time.Second)
	link := eval[string](host, `document.getElementById("details-join").href`)
	room := strings.TrimPrefix(link, srv.URL+"/")

	host.do(chromedp.Click(chromedp.CSS("#details-join")))
	host.waitAcrossNavigation("the pre-join screen", `window.__ensemble && __ensemble.screen === "prejoin" && document.getElementById("preview-video").srcObject`, 15*time.Second)
	if name := eval[string](host, `document.getElementById("pj-name").value`); name != "Hélène Martin" {
		t.Errorf("pre-join proposes %q", name)
	}
	host.do(chromedp.Click(chromedp.CSS("#pj-join")))
	host.waitJS("the meeting", `__ensemble.screen === "meeting" && __ensemble.session.state === "connected"`, 20*time.Second)

	guest := b.newIsolatedPage("ana")
	guest.knock(srv.URL, room, "Ana")
	host.waitJS("the knock", `document.querySelector("#lobby-notice .lobby-admit")`, 10*time.Second)
	host.do(chromedp.Focus(chromedp.CSS("#lobby-notice .lobby-admit")), chromedp.KeyEvent(kb.Enter))
	guest.waitJS("the guest in the meeting", `__ensemble.screen === "meeting" && __ensemble.session.state === "connected"`, 15*time.Second)
	guest.waitMediaFrom(1, 20*time.Second)
}

// Someone whom the host rule does not make a host signs in and cannot create
// meetings; forged and expired session cookies are refused (the page offers to sign
// in again); signing out ends the session, and its cookie, replayed, is refused.
func TestE2ESessionsRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*e2eTimeout)
	defer cancel()
	srv := startServerWith(t, serverSetup{lobby: true, idp: oidctest.Start(t)})
	b := startBrowser(t, ctx)

	// Gaston: signed in, a guest.
	gaston := b.newPage("gaston", true)
	gaston.signIn(srv.URL, oidctest.Guest)
	gaston.waitJS("the guest home page", `__ensemble.screen === "home" && document.getElementById("home-account-text").textContent.includes("not create")`, 10*time.Second)
	if status, body := gaston.fetchJSON("POST", "/api/host/meetings", `{"instant":true}`); status != http.StatusForbidden || body["code"] != "not_a_host" {
		t.Errorf("a guest creating a meeting: %d %v", status, body)
	}
	if !eval[bool](gaston, `document.getElementById("screen-host").hidden`) {
		t.Error("the host page is shown to a guest")
	}

	// A forged cookie (Gaston's made a host) and an expired one, each in a fresh jar.
	genuine := gaston.cookie(oidcauth.SessionCookie)
	payload, mac, _ := strings.Cut(strings.TrimPrefix(genuine, "v1."), ".")
	forged := "v1." + reencode(t, payload, `"host":false`, `"host":true`) + "." + mac
	expired, err := srv.Sessions.Seal(&oidcauth.Session{ID: "e2e-expired", Subject: "u-helene", Name: "Hélène", Host: true, Expires: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, value, code string }{{"forged", forged, "invalid_session"}, {"expired", expired, "session_expired"}} {
		p := b.newIsolatedPage(tc.name)
		p.do(chromedp.Navigate(srv.URL + "/"))
		p.waitJS("the page", `window.__ensemble && __ensemble.ready`, 10*time.Second)
		// The cookie set from the page (not HttpOnly, as an attacker's would be).
		_ = eval[string](p, `document.cookie = "ensemble_session=`+tc.value+`; path=/", "ok"`)
		if status, body := p.fetchJSON("POST", "/api/host/meetings", `{"instant":true}`); status != http.StatusUnauthorized || body["code"] != tc.code {
			t.Errorf("%s cookie: %d %v", tc.name, status, body)
		}
		_ = eval[string](p, `document.cookie = "ensemble_session=`+tc.value+`; path=/", "ok"`)
		p.do(chromedp.Navigate(srv.URL + "/"))
		p.waitJS("the home page offering sign-in", `window.__ensemble && __ensemble.ready && __ensemble.screen === "home" && !document.getElementById("home-signin").hidden`, 10*time.Second)
		if got := eval[string](p, `document.getElementById("home-account-text").textContent`); got != "Your session has ended. Sign in again to create meetings." {
			t.Errorf("%s cookie: home says %q", tc.name, got)
		}
	}

	// A sign-in that failed at the provider's end comes back to the home page, which
	// says so (the callback's redirection is tested in signalling/oidcauth).
	failed := b.newIsolatedPage("failed")
	failed.do(chromedp.Navigate(srv.URL + "/?signin_error=sign_in_refused"))
	failed.waitJS("the home page", `window.__ensemble && __ensemble.ready && __ensemble.screen === "home"`, 10*time.Second)
	if got := eval[string](failed, `document.getElementById("home-account-text").textContent + " " + location.search`); got != "The sign-in did not succeed (sign_in_refused). Try again. " {
		t.Errorf("after a failed sign-in the home page says %q", got)
	}

	// Hélène signs in, then out; her old cookie, replayed elsewhere, is refused.
	helene := b.newIsolatedPage("helene")
	helene.signIn(srv.URL, oidctest.Host)
	helene.waitJS("the host's home page", `__ensemble.screen === "host"`, 10*time.Second)
	old := helene.cookie(oidcauth.SessionCookie)
	helene.do(chromedp.Click(chromedp.CSS("#host-signout")))
	helene.waitAcrossNavigation("the signed-out home page", `window.__ensemble && __ensemble.ready && __ensemble.screen === "home" && !document.getElementById("home-signin").hidden`, 10*time.Second)
	if c := helene.cookie(oidcauth.SessionCookie); c != "" {
		t.Errorf("session cookie still there after sign-out")
	}
	replay := b.newIsolatedPage("replay")
	replay.do(chromedp.Navigate(srv.URL + "/"))
	replay.waitJS("the page", `window.__ensemble && __ensemble.ready`, 10*time.Second)
	_ = eval[string](replay, `document.cookie = "ensemble_session=`+old+`; path=/", "ok"`)
	if status, body := replay.fetchJSON("GET", "/api/host/meetings", ""); status != http.StatusUnauthorized || body["code"] != "session_ended" {
		t.Errorf("replayed cookie after sign-out: %d %v", status, body)
	}
}

// The host's page in French: headings, the form's labels, the instant meeting's
// title and its invitation in French.
func TestE2EHostPageInFrench(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServerWith(t, serverSetup{lobby: true, idp: oidctest.Start(t)})
	b := startBrowser(t, ctx, chromedp.Flag("lang", "fr-FR"), chromedp.Flag("accept-lang", "fr-FR"))
	host := b.newPage("hélène", true)
	host.do(chromedp.Navigate(srv.URL + "/"))
	host.waitJS("the home page", `window.__ensemble && __ensemble.ready`, 15*time.Second)
	if got := eval[string](host, `document.getElementById("home-signin").textContent`); got != "Se connecter pour créer des réunions" {
		t.Fatalf("sign-in link %q (language %s)", got, eval[string](host, `navigator.language`))
	}
	host.signIn(srv.URL, oidctest.Host)
	host.waitJS("the host's page", `__ensemble.screen === "host"`, 10*time.Second)
	texts := eval[map[string]string](host, `({
		heading: document.getElementById("host-heading").textContent,
		title: document.querySelector('label[for="sch-title"]').textContent,
		tz: document.querySelector('label[for="sch-tz"]').textContent,
		weekly: document.querySelector('#sch-rec option[value="FREQ=WEEKLY"]').textContent,
		lang: document.documentElement.lang,
	})`)
	if texts["heading"] != "Vos réunions" || texts["title"] != "Titre" || texts["tz"] != "Fuseau horaire" ||
		texts["weekly"] != "Toutes les semaines" || texts["lang"] != "fr" {
		t.Errorf("French page %v", texts)
	}
	host.do(chromedp.Click(chromedp.CSS("#host-instant")))
	host.waitJS("the instant meeting", `document.getElementById("details-status").textContent === "Réunion prête."`, 10*time.Second)
	if got := eval[string](host, `document.getElementById("details-heading").textContent`); got != "Réunion instantanée" {
		t.Errorf("instant meeting titled %q", got)
	}
	host.do(chromedp.Click(chromedp.CSS("#details-copy")))
	host.waitJS("the copy", `__ensemble.copied`, 5*time.Second)
	if got := eval[string](host, `__ensemble.copied`); !strings.Contains(got, "Rejoindre la réunion\u00a0: ") {
		t.Errorf("invitation not in French: %q", got)
	}
}
