package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// What one page does with its controls — mute, camera off and on, chat, screen
// share, leave — the other page sees.
func TestE2EControlsAreSeenByTheOtherPage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*e2eTimeout)
	defer cancel()
	srv := startServer(t)
	b := startBrowser(t, ctx)
	const room = "ctl-room-one"
	alice := b.newPage("alice", true)
	bob := b.newPage("bob", false)
	alice.join(srv.URL, room, "Alice")
	bob.join(srv.URL, room, "Bob")
	bob.waitMediaFrom(1, 30*time.Second)
	aliceSID := eval[string](alice, `__ensemble.session.me.sid`)
	tile := fmt.Sprintf(`document.querySelector('.tile[data-key="%s:camera"]')`, aliceSID)

	t.Run("mute", func(t *testing.T) {
		alice.do(chromedp.Click(chromedp.CSS("#ctl-mic")))
		alice.waitJS("mic button not pressed", `document.getElementById("ctl-mic").getAttribute("aria-pressed") === "false"`, 5*time.Second)
		bob.waitJS("Alice's muted mark", tile+`.classList.contains("mic-muted")`, 10*time.Second)
		alice.do(chromedp.Click(chromedp.CSS("#ctl-mic")))
		alice.waitJS("mic button pressed again", `document.getElementById("ctl-mic").getAttribute("aria-pressed") === "true"`, 5*time.Second)
		bob.waitJS("Alice's mic back", `!`+tile+`.classList.contains("mic-muted")`, 10*time.Second)
	})

	t.Run("camera off and on", func(t *testing.T) {
		alice.do(chromedp.Click(chromedp.CSS("#ctl-cam")))
		bob.waitJS("Alice's camera off", `!`+tile+`.classList.contains("has-video") && !`+tile+`.querySelector(".mark-cam").hidden`, 10*time.Second)
		alice.do(chromedp.Click(chromedp.CSS("#ctl-cam")))
		bob.waitJS("Alice's camera back", tile+`.classList.contains("has-video")`, 10*time.Second)
		before := framesFrom(bob, aliceSID, "camera")
		bob.waitJS("new frames from Alice's camera", fmt.Sprintf(`__ensemble.inbound().then(s => s.some(r => r.trackIdentifier === %s && r.framesDecoded > %v))`,
			jsString(trackSID(bob, aliceSID, "camera")), before+10), 15*time.Second)
	})

	t.Run("minimised tile pauses its video", func(t *testing.T) {
		// Bob minimises Alice's tile: his page asks the server to pause her camera,
		// and no more frames arrive until he shows it again.
		bob.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`.tile[data-key="%s:camera"] .tile-min`, aliceSID))))
		bob.waitJS("the pause asked", tile+`.dataset.quality === "paused"`, 5*time.Second)
		time.Sleep(1500 * time.Millisecond) // frames in flight
		before := framesFrom(bob, aliceSID, "camera")
		time.Sleep(2 * time.Second)
		if after := framesFrom(bob, aliceSID, "camera"); after-before > 5 {
			t.Errorf("%v frames decoded in 2 s from a paused subscription", after-before)
		}
		bob.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`.tile[data-key="%s:camera"] .tile-min`, aliceSID))))
		framesGrow(bob, aliceSID, 20, 15*time.Second)
	})

	t.Run("chat", func(t *testing.T) {
		alice.do(chromedp.Click(chromedp.CSS("#ctl-chat")),
			chromedp.SendKeys(chromedp.CSS("#chat-input"), "Hello Bob <b>not bold</b>"),
			chromedp.Click(chromedp.CSS("#chat-send")))
		bob.waitJS("the unread badge", `!document.getElementById("chat-badge").hidden`, 10*time.Second)
		bob.do(chromedp.Click(chromedp.CSS("#ctl-chat")))
		got := eval[string](bob, `document.querySelector("#chat-log .msg-text").textContent + "|" + document.querySelector("#chat-log .msg-from").textContent`)
		if got != "Hello Bob <b>not bold</b>|Alice" {
			t.Fatalf("Bob's chat shows %q", got)
		}
		if n := eval[int](bob, `document.querySelectorAll("#chat-log b").length`); n != 0 {
			t.Fatal("a chat message was rendered as HTML")
		}
	})

	t.Run("screen share", func(t *testing.T) {
		// Headless Chromium with --use-fake-ui-for-media-stream answers getDisplayMedia
		// with its fake screen capture; the click gives the user activation it needs.
		alice.do(chromedp.Click(chromedp.CSS("#ctl-share")))
		alice.waitJS("sharing", `document.getElementById("ctl-share").getAttribute("aria-pressed") === "true"`, 10*time.Second)
		screen := fmt.Sprintf(`document.querySelector('#stage .tile[data-key="%s:screen"]')`, aliceSID)
		bob.waitJS("Alice's screen on the stage", screen+` && `+screen+`.classList.contains("has-video")`, 15*time.Second)
		bob.waitJS("frames of Alice's screen", fmt.Sprintf(`__ensemble.inbound().then(s => s.some(r => r.trackIdentifier === %s && r.framesDecoded > 5))`,
			jsString(trackSID(bob, aliceSID, "screen_share"))), 15*time.Second)
		alice.do(chromedp.Click(chromedp.CSS("#ctl-share")))
		bob.waitJS("Alice's screen gone", `!`+screen, 10*time.Second)
	})

	t.Run("leave", func(t *testing.T) {
		alice.do(chromedp.Click(chromedp.CSS("#ctl-leave")))
		alice.waitJS("the left screen", `__ensemble.screen === "left"`, 10*time.Second)
		bob.waitJS("Alice's tile gone", `!`+tile, 10*time.Second)
		bob.waitJS("alone again", `!document.getElementById("alone").hidden`, 5*time.Second)
	})
}

// trackSID finds, on page p, the sid of a participant's track of source.
func trackSID(p *page, participantSID, source string) string {
	p.t.Helper()
	expr := fmt.Sprintf(`(() => { const r = __ensemble.session.remotes.get(%s); if (!r) return ""; for (const t of r.tracks.values()) if (t.info.source === %s) return t.info.sid; return ""; })()`,
		jsString(participantSID), jsString(source))
	var sid string
	deadline := time.Now().Add(10 * time.Second)
	for sid == "" && time.Now().Before(deadline) {
		sid = eval[string](p, expr)
		if sid == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if sid == "" {
		p.t.Fatalf("%s: no %s track of %s", p.name, source, participantSID)
	}
	return sid
}

func framesFrom(p *page, participantSID, source string) float64 {
	sid := trackSID(p, participantSID, source)
	for _, r := range p.inbound() {
		if r.TrackIdentifier == sid {
			return r.FramesDecoded
		}
	}
	return 0
}
