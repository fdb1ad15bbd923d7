package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// The camera is published with three simulcast layers, and the server forwards to
// each subscriber the layer its tile needs: a large (pinned) tile on a wide screen
// receives more pixels than a small tile on a phone-sized screen.
func TestE2ESimulcastSmallTileGetsLowerResolution(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*e2eTimeout)
	defer cancel()
	srv := startServer(t)
	b := startBrowser(t, ctx)
	const room = "simu-cast-abc"
	carol := b.newPage("carol", true)
	alice := b.newPage("alice", false)
	bob := b.newPage("bob", false)
	// Only Carol sends video, so that two cores encode one simulcast camera and
	// Chrome's bandwidth estimate is not starved by the CPU.
	carol.join(srv.URL, room, "Carol")
	alice.do(chromedp.EmulateViewport(1600, 900))
	alice.joinWith(srv.URL, room, "Alice", false)
	bob.do(chromedp.EmulateViewport(360, 640, chromedp.EmulateMobile))
	bob.joinWith(srv.URL, room, "Bob", false)

	// The server holds Carol's camera as simulcast with three layers.
	carolSID := eval[string](carol, `__ensemble.session.me.sid`)
	cam := waitServerTrack(t, srv, room, carolSID, vocab.SourceCamera, 15*time.Second)
	if !cam.Simulcast || len(cam.Layers) != 3 {
		t.Fatalf("server has Carol's camera as %+v, want simulcast with 3 layers", cam)
	}
	// Carol's browser sends several RIDs (Chrome may hold the full layer back while
	// its bandwidth estimate ramps up, so two are enough to prove simulcast).
	carol.waitJS("simulcast encodings sending", `__ensemble.outbound().then(o => o.filter(r => r.kind === "video" && r.rid && r.framesEncoded > 0).length >= 2)`, 20*time.Second)

	// Alice shows Carol large.
	framesGrow(alice, carolSID, 10, 30*time.Second)
	framesGrow(bob, carolSID, 10, 30*time.Second)
	alice.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`.tile[data-key="%s:camera"] .tile-pin`, carolSID))))

	widthAt := func(p *page) float64 {
		for _, r := range p.inbound() {
			if r.Kind == "video" && r.TrackIdentifier == cam.SID {
				return r.FrameWidth
			}
		}
		return 0
	}
	deadline := time.Now().Add(40 * time.Second)
	var large, small float64
	for time.Now().Before(deadline) {
		large, small = widthAt(alice), widthAt(bob)
		if large >= 640 && small > 0 && small <= 320 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("Carol's camera: %v px wide in Alice's large tile, %v px in Bob's small tile", large, small)
	t.Logf("Carol sends: %s", eval[string](carol, `__ensemble.outbound().then(JSON.stringify)`))
	if !(large > small && small > 0) {
		t.Fatalf("large tile receives %v px, small tile %v px: want the large one wider\nalice %s\nbob %s",
			large, small, alice.debugState(), bob.debugState())
	}
}

// waitServerTrack waits until the server lists the participant's track of source.
func waitServerTrack(t *testing.T, srv *testServer, room, participantSID string, source vocab.Source, timeout time.Duration) vocab.TrackInfo {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if r, ok := srv.Engine.Room(room); ok {
			for _, p := range r.Participants() {
				if p.SID != participantSID {
					continue
				}
				for _, tr := range p.Tracks {
					if tr.Source == source {
						return tr
					}
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the server has no %s track of %s in %s", source, participantSID, room)
	return vocab.TrackInfo{}
}
