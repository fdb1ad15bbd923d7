package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// outRTP is one outbound-rtp entry as __ensemble.outbound() returns it.
type outRTP struct {
	Kind          string  `json:"kind"`
	RID           string  `json:"rid"`
	FrameWidth    float64 `json:"frameWidth"`
	FramesEncoded float64 `json:"framesEncoded"`
	Active        bool    `json:"active"`
}

func (p *page) outbound() []outRTP {
	p.t.Helper()
	raw := eval[string](p, `__ensemble.outbound().then(JSON.stringify)`)
	var out []outRTP
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		p.t.Fatalf("%s: outbound stats %q: %v", p.name, raw, err)
	}
	return out
}

// activeRIDs is which simulcast encodings of the page's camera the browser sends,
// as its own stats say.
func (p *page) activeRIDs() map[string]bool {
	p.t.Helper()
	got := map[string]bool{}
	for _, r := range p.outbound() {
		if r.Kind == "video" && r.RID != "" {
			got[r.RID] = r.Active
		}
	}
	return got
}

// waitActiveRIDs waits until the page's camera encodings named in want are active or
// not as want says (rid -> active); encodings want does not name may be either.
func (p *page) waitActiveRIDs(what string, want map[string]bool, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var got map[string]bool
	for time.Now().Before(deadline) {
		got = p.activeRIDs()
		same := len(got) >= len(want)
		for rid, on := range want {
			if active, ok := got[rid]; !ok || active != on {
				same = false
			}
		}
		if same {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	p.t.Fatalf("%s: %s: camera encodings active %v, want %v\n%s", p.name, what, got, want, p.debugState())
}

// Dynacast: a simulcast layer nobody receives is switched off in the publishing
// browser (RTCRtpSender encodings[i].active = false, as the server's
// publisher_layers says), and on again when a subscriber needs it.
func TestE2EDynacastTurnsUnneededLayersOffInTheBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServer(t)
	b := startBrowser(t, ctx)
	const room = "dyna-cast-abc"
	carol := b.newPage("carol", true)
	carol.join(srv.URL, room, "Carol")

	// Alone in the room, nobody needs Carol's medium and high layers: the server
	// turns them off after its 2 s delay; the lowest stays on.
	// Chrome sends its top layer only once its bandwidth estimate has ramped up,
	// which a busy machine slows: the wait is generous (it ends as soon as it holds).
	carol.waitJS("publisher_layers obeyed", `__ensemble.session.pubs.get("camera")?.activeLayers?.f === false`, 40*time.Second)
	carol.waitActiveRIDs("alone", map[string]bool{"q": true, "h": false, "f": false}, 20*time.Second)

	// Alice shows Carol large: the high layer is needed, and switched on again.
	alice := b.newPage("alice", false)
	alice.do(chromedp.EmulateViewport(1600, 900))
	alice.joinWith(srv.URL, room, "Alice", false)
	carolSID := eval[string](carol, `__ensemble.session.me.sid`)
	alice.waitJS("Carol's tile", fmt.Sprintf(`document.querySelector('.tile[data-key="%s:camera"] .tile-pin')`, carolSID), 10*time.Second)
	alice.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`.tile[data-key="%s:camera"] .tile-pin`, carolSID))))
	// (The medium layer comes back only if someone needs it: the allocator may
	// go straight to high, or pass through medium while it probes.)
	carol.waitActiveRIDs("watched large", map[string]bool{"q": true, "f": true}, 15*time.Second)

	// The server tells Alice which layer she receives (subscription_layer), and
	// her tile shows it.
	alice.waitJS("the layer on Carol's tile", fmt.Sprintf(`document.querySelector('.tile[data-key="%s:camera"]').dataset.layer`, carolSID), 15*time.Second)
	t.Logf("Alice's tile of Carol: layer %s (%s); Carol sends %v",
		eval[string](alice, fmt.Sprintf(`document.querySelector('.tile[data-key="%s:camera"]').dataset.layer`, carolSID)),
		eval[string](alice, fmt.Sprintf(`document.querySelector('.tile[data-key="%s:camera"]').dataset.layerReason`, carolSID)),
		carol.activeRIDs())
}

// A video the server pauses for lack of bandwidth says so on its tile, instead of
// showing a frozen picture; it comes back when the server resumes it. (The server
// message is played into the page's session: a link slow enough for the server to
// pause even the lowest layer is the throttle-tagged test's business.)
func TestE2ETileShowsBandwidthPause(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServer(t)
	b := startBrowser(t, ctx)
	const room = "band-width-abc"
	carol := b.newPage("carol", true)
	alice := b.newPage("alice", false)
	carol.join(srv.URL, room, "Carol")
	alice.joinWith(srv.URL, room, "Alice", false)
	carolSID := eval[string](carol, `__ensemble.session.me.sid`)
	tile := fmt.Sprintf(`document.querySelector('.tile[data-key="%s:camera"]')`, carolSID)
	alice.waitJS("Carol's video", tile+`.classList.contains("has-video")`, 20*time.Second)
	camSID := eval[string](alice, fmt.Sprintf(`[...__ensemble.session.remote(%q).tracks.values()].find(t => t.info.source === "camera").info.sid`, carolSID))

	// Play the message and read the tile in one go: a real subscription_layer from
	// the server (sent on every layer change) may follow at any time.
	play := func(paused bool) string {
		return eval[string](alice, fmt.Sprintf(`(() => {
			__ensemble.session.signal.onMessage({type: "subscription_layer",
				data: {track_sid: %q, quality: "low", width: 320, height: 180, paused: %v, reason: "bandwidth", estimate_bps: 90000}});
			const tile = %s, note = tile.querySelector(".tile-paused");
			return [tile.dataset.layer, tile.classList.contains("has-video"), note.hidden, note.textContent, tile.getAttribute("aria-label")].join("|");
		})()`, camSID, paused, tile))
	}
	if got, want := play(true), "paused|false|false|Paused: low bandwidth|Carol, Paused: low bandwidth"; got != want {
		t.Errorf("paused tile: %s, want %s", got, want)
	}
	if got, want := play(false), "low|true|true||Carol"; got != want {
		t.Errorf("resumed tile: %s, want %s", got, want)
	}
}
