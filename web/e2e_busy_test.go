package web_test

import (
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// A node that may host one room refuses the join of a second room with 503
// server_overloaded and Retry-After (10 s): the page says the server is busy and
// when it tries again, with a button that stops trying, and joins by itself once
// the first room has closed.
func TestE2EBusyServerJoinIsRetriedByItself(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServer(t, servertest.WithEngineConfig(func(c *sfu.Config) { c.MaxRooms = 1 }))
	holder, err := client.Join(ctx, srv.URL, srv.Token("first-room", "holder"), client.WithJoinRetry(0))
	if err != nil {
		t.Fatalf("the first room's join: %v", err)
	}
	defer holder.Close()

	b := startBrowser(t, ctx)
	p := b.newPage("late", true)
	p.do(chromedp.Navigate(srv.URL + "/second-room"))
	p.waitJS("the pre-join screen", `window.__ensemble && __ensemble.screen === "prejoin"`, 15*time.Second)
	p.do(chromedp.SetValue(chromedp.CSS("#pj-name"), "Late"), chromedp.Click(chromedp.CSS("#pj-join")))
	p.waitJS("the busy message", `!document.getElementById("prejoin-busy").hidden
		&& document.getElementById("prejoin-busy-text").textContent !== ""`, 15*time.Second)
	msg := eval[string](p, `document.getElementById("prejoin-busy-text").textContent`)
	m := regexp.MustCompile(`^The server is busy, retrying in (\d+) s…$`).FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("busy message %q", msg)
	}
	// Retry-After is 10 s, and the page adds at most a tenth.
	if n, _ := strconv.Atoi(m[1]); n < 1 || n > 11 {
		t.Errorf("the page tries again in %d s, want within the server's 10 s (+1)", n)
	}
	if screen := eval[string](p, `__ensemble.screen`); screen != "prejoin" {
		t.Errorf("screen %q while the server is busy, want prejoin", screen)
	}

	// Stopping gives the pre-join screen back, saying so; joining again meets
	// the busy server again.
	p.do(chromedp.Click(chromedp.CSS("#pj-busy-cancel")))
	p.waitJS("the join stopped", `document.getElementById("prejoin-busy").hidden && !document.getElementById("pj-join").disabled
		&& document.getElementById("prejoin-error").textContent.includes("You stopped trying to join")`, 5*time.Second)
	p.do(chromedp.Click(chromedp.CSS("#pj-join")))
	p.waitJS("the busy message again, the stop's message gone", `!document.getElementById("prejoin-busy").hidden
		&& document.getElementById("prejoin-error").textContent === ""`, 15*time.Second)

	if err := holder.Leave(ctx); err != nil {
		t.Fatalf("the first room's participant leaves: %v", err)
	}
	p.waitJS("the meeting screen, joined by itself", `__ensemble.screen === "meeting" && __ensemble.session.state === "connected"`, 20*time.Second)
	if eval[bool](p, `!document.getElementById("prejoin-busy").hidden`) {
		t.Error("the busy message is still shown after the join")
	}
}
