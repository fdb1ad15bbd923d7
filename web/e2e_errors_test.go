package web_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/web"
)

// Each way of failing to join gets a message that says what happened.
func TestE2EJoinFailuresAreExplained(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*e2eTimeout)
	defer cancel()
	srv := startServerWith(t, serverSetup{rooms: []store.Room{
		{Name: "no-guests-here", SID: "RM_noguests", CreatedAt: time.Now(), GuestPolicy: store.GuestDeny},
		{Name: "guests-welcome", SID: "RM_welcome", CreatedAt: time.Now(), GuestPolicy: store.GuestAllow},
	}}, servertest.WithMaxParticipants(1))
	b := startBrowser(t, ctx)
	first := true
	tab := func(t *testing.T, name string) *page {
		p := b.newPage(name, first)
		p.t = t
		first = false
		return p
	}

	// tryJoin opens url, presses Join as name and returns the error shown.
	tryJoin := func(p *page, url, name string) string {
		p.t.Helper()
		p.do(chromedp.Navigate(url))
		p.waitJS("the pre-join screen", `window.__ensemble && __ensemble.screen === "prejoin"`, 10*time.Second)
		p.do(chromedp.SetValue(chromedp.CSS("#pj-name"), name), chromedp.Click(chromedp.CSS("#pj-join")))
		p.waitJS("an error message", `document.getElementById("prejoin-error").textContent !== "" && !document.getElementById("pj-join").disabled`, 15*time.Second)
		return eval[string](p, `document.getElementById("prejoin-error").textContent`)
	}
	expect := func(t *testing.T, got, want string) {
		t.Helper()
		if !strings.Contains(got, want) {
			t.Errorf("message %q, want it to say %q", got, want)
		}
	}

	t.Run("room refuses guests", func(t *testing.T) {
		expect(t, tryJoin(tab(t, "guest"), srv.URL+"/no-guests-here", "Guest"), "does not accept guests")
	})
	t.Run("unknown room without dev mode", func(t *testing.T) {
		expect(t, tryJoin(tab(t, "stranger"), srv.URL+"/nobody-knows-it", "Stranger"), "need an invitation link")
	})
	t.Run("expired token", func(t *testing.T) {
		tok := srv.TokenWith(auth.TokenParams{Identity: "late", Name: "Late", Room: "guests-welcome",
			Grants: auth.DefaultParticipantGrants(), NotBefore: time.Now().Add(-2 * time.Hour), TTL: time.Hour})
		expect(t, tryJoin(tab(t, "late"), srv.URL+"/guests-welcome#token="+tok, "Late"), "has expired")
	})
	t.Run("garbage token", func(t *testing.T) {
		expect(t, tryJoin(tab(t, "garbage"), srv.URL+"/guests-welcome#token=not.a.jwt", "Garbage"), "is not valid")
	})
	t.Run("token for another room", func(t *testing.T) {
		tok := srv.Token("another-room", "wanderer")
		expect(t, tryJoin(tab(t, "wanderer"), srv.URL+"/guests-welcome#token="+tok, "Wanderer"), "for another meeting")
	})
	t.Run("room full", func(t *testing.T) {
		alice := tab(t, "alice")
		alice.join(srv.URL, "guests-welcome", "Alice")
		// The page learns why from its plain-GET check of /rtc (a browser cannot
		// read the refused upgrade's answer).
		expect(t, tryJoin(tab(t, "bob"), srv.URL+"/guests-welcome", "Bob"), "is full")
	})
	t.Run("server unreachable", func(t *testing.T) {
		// The page comes from a server that then goes away.
		gone := httptest.NewServer(web.Handler())
		p := tab(t, "offline")
		p.do(chromedp.Navigate(gone.URL + "/lost-room"))
		p.waitJS("the pre-join screen", `window.__ensemble && __ensemble.screen === "prejoin"`, 10*time.Second)
		gone.Close()
		p.do(chromedp.SetValue(chromedp.CSS("#pj-name"), "Offline"), chromedp.Click(chromedp.CSS("#pj-join")))
		p.waitJS("an error message", `document.getElementById("prejoin-error").textContent !== ""`, 15*time.Second)
		expect(t, eval[string](p, `document.getElementById("prejoin-error").textContent`), "cannot be reached")
	})
}

// A camera the browser refuses (NotAllowedError) is said clearly, and the user can
// still join without it. This browser has no fake permission UI: it denies.
func TestE2EDeniedCameraIsExplained(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServer(t)
	b := startBrowser(t, ctx,
		chromedp.Flag("use-fake-ui-for-media-stream", false),
		chromedp.Flag("deny-permission-prompts", true))
	p := b.newPage("denied", true)
	p.do(chromedp.Navigate(srv.URL + "/denied-room"))
	p.waitJS("an error message", `document.getElementById("prejoin-error").textContent !== ""`, 10*time.Second)
	msg := eval[string](p, `document.getElementById("prejoin-error").textContent`)
	if !strings.Contains(msg, "was denied") {
		t.Errorf("message %q, want it to say the access was denied", msg)
	}
	if pressed := eval[string](p, `document.getElementById("pj-cam").getAttribute("aria-pressed")`); pressed != "false" {
		t.Errorf("camera button aria-pressed=%s after a denial, want false", pressed)
	}
	// Joining without camera and microphone still works.
	p.do(chromedp.SetValue(chromedp.CSS("#pj-name"), "No Camera"), chromedp.Click(chromedp.CSS("#pj-join")))
	p.waitJS("the meeting screen", `__ensemble.screen === "meeting" && __ensemble.session.state === "connected"`, 15*time.Second)
}
