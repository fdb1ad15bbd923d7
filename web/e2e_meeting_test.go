package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Two pages join one room and each decodes the other's video and audio.
func TestE2ETwoPagesSeeAndHearEachOther(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServer(t)
	b := startBrowser(t, ctx)
	alice := b.newPage("alice", true)
	bob := b.newPage("bob", false)
	const room = "abc-defg-hij"
	alice.join(srv.URL, room, "Alice")
	bob.join(srv.URL, room, "Bob")
	alice.waitMediaFrom(1, 30*time.Second)
	bob.waitMediaFrom(1, 30*time.Second)
	t.Logf("alice receives: %s", describe(alice.inbound()))
	// The own tile's connection indicator names the media path: straight UDP here.
	const quality = `document.querySelector('.tile[data-key="local:camera"] .quality')`
	alice.waitJS("the media path in the connection indicator", quality+`?.dataset.path === "udp"`, 15*time.Second)
	if label := eval[string](alice, quality+`.getAttribute("aria-label")`); !strings.Contains(label, "direct (UDP)") {
		t.Errorf("connection indicator label %q does not name the path", label)
	}
}

// Three pages join one room: each decodes the two others' video and audio. The run
// also takes the screenshot of the docs (with ENSEMBLE_SCREENSHOT=1).
func TestE2EThreePagesMeeting(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*e2eTimeout)
	defer cancel()
	srv := startServer(t)
	b := startBrowser(t, ctx)
	const room = "three-pple-met"
	names := []string{"Alice Martin", "Bruno Costa", "Chloé Dubois"}
	pages := make([]*page, len(names))
	for i, name := range names {
		pages[i] = b.newPage(name, i == 0)
		pages[i].join(srv.URL, room, name)
	}
	for _, p := range pages {
		p.waitMediaFrom(2, 60*time.Second) // a bandwidth pause on a loaded machine lifts after a probe
	}
	// Each page shows three tiles with video.
	for _, p := range pages {
		p.waitJS("three tiles with video", `document.querySelectorAll("#grid .tile.has-video").length === 3`, 10*time.Second)
	}
	alice := pages[0]
	alice.do(chromedp.Click(chromedp.CSS("#ctl-chat")))
	pages[1].do(chromedp.Click(chromedp.CSS("#ctl-chat")),
		chromedp.SendKeys(chromedp.CSS("#chat-input"), "Bonjour à tous, on commence ?"),
		chromedp.Click(chromedp.CSS("#chat-send")))
	alice.waitJS("the chat message", `document.querySelector("#chat-log .msg")`, 10*time.Second)
	alice.do(chromedp.EmulateViewport(1280, 720), chromedp.MouseEvent(chromedp.MouseMoved, 1, 1)) // no hover tools
	time.Sleep(1500 * time.Millisecond)                                                           // let the banners fade and the video settle
	alice.shot("../docs/screenshot-meeting.png")
}
