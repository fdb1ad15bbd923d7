package web_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// throttleKbps caps the page's download throughput, WebRTC included: Chromium applies
// the global rule of Network.emulateNetworkConditionsByRule (empty URL pattern) to
// its p2p sockets too. Upload is left alone.
func (p *page) throttleKbps(kbps int) {
	p.t.Helper()
	rule := &network.Conditions{DownloadThroughput: float64(kbps) * 1000 / 8, UploadThroughput: -1, Latency: 20}
	p.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule,
			network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: []*network.Conditions{rule}})
		return err
	}))
}

// receivedLayer is what a page knows of the video it receives from a track: the
// decoded frame width (getStats), and the server's last subscription_layer.
type receivedLayer struct {
	FrameWidth  float64 `json:"frameWidth"`
	Bytes       float64 `json:"bytesReceived"`
	Quality     string  `json:"quality"`
	Reason      string  `json:"reason"`
	Paused      bool    `json:"paused"`
	EstimateBps float64 `json:"estimateBps"`
	Incoming    float64 `json:"availableIncomingBitrate"`
}

func (p *page) receivedLayer(trackSID string) receivedLayer {
	p.t.Helper()
	return eval[receivedLayer](p, fmt.Sprintf(`(async () => {
		const out = {frameWidth: 0, bytesReceived: 0, quality: "", reason: "", paused: false, estimateBps: 0, availableIncomingBitrate: 0};
		const s = __ensemble.session;
		for (const p of s.remotes.values()) {
			const t = p.tracks.get(%[1]q);
			if (t && t.layer) Object.assign(out, {quality: t.layer.quality, reason: t.layer.reason, paused: t.layer.paused, estimateBps: t.layer.estimateBps});
		}
		for (const r of (await s.subscriber.getStats()).values()) {
			if (r.type === "inbound-rtp" && r.trackIdentifier === %[1]q) Object.assign(out, {frameWidth: r.frameWidth || 0, bytesReceived: r.bytesReceived || 0});
			if (r.type === "candidate-pair" && r.nominated && r.availableIncomingBitrate) out.availableIncomingBitrate = r.availableIncomingBitrate;
		}
		return out;
	})()`, trackSID))
}

// A subscriber on a slow link (its download capped at 300 kbit/s) receives a lower
// layer of a simulcast camera than one on a fast link, both showing it large: the
// server estimates each subscriber's downstream bandwidth and picks the layer that
// fits. E2E_NO_THROTTLE=1 leaves the slow one unthrottled: a control run, which must
// fail (both then receive the full layer).
func TestE2EThrottledSubscriberGetsLowerLayer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServer(t)
	// The camera comes from a Go client playing the simulcast clips: all three
	// layers flow at once, without waiting for a browser's upstream estimate.
	const room = "thro-ttle-abc"
	publishClips(t, ctx, srv, room, "carol")
	// Each subscriber runs in a Chromium of its own: the emulated conditions reach
	// the p2p sockets of every page of a browser, not only the one asked.
	fast := startBrowser(t, ctx).newPage("fast", true)
	slow := startBrowser(t, ctx).newPage("slow", true)
	if os.Getenv("E2E_NO_THROTTLE") == "" {
		slow.throttleKbps(300)
	}
	var camSID string
	for _, p := range []*page{fast, slow} {
		p.joinWith(srv.URL, room, p.name, false)
		p.waitJS("carol's camera", `[...__ensemble.session.remotes.values()].some(p => p.info.identity === "carol" && [...p.tracks.values()].some(t => t.info.source === "camera"))`, 10*time.Second)
		carolSID := eval[string](p, `[...__ensemble.session.remotes.values()].find(p => p.info.identity === "carol").info.sid`)
		pin := fmt.Sprintf(`.tile[data-key="%s:camera"] .tile-pin`, carolSID)
		p.waitJS("Carol's tile", fmt.Sprintf(`document.querySelector('%s')`, pin), 10*time.Second)
		p.do(chromedp.Click(chromedp.CSS(pin)))
		camSID = eval[string](p, fmt.Sprintf(`[...__ensemble.session.remote(%q).tracks.values()].find(t => t.info.source === "camera").info.sid`, carolSID))
	}
	if os.Getenv("E2E_NO_THROTTLE") == "" {
		// Again once the meeting page is up: a navigation may move the page to
		// another renderer, which does not always keep the emulated conditions.
		slow.throttleKbps(300)
	}

	// Both ramp up from the lowest layer: the verdict waits until the fast one has
	// climbed, and holds only when the slow one stays lower, for lack of bandwidth, for
	// several seconds.
	deadline := time.Now().Add(30 * time.Second)
	var f, s receivedLayer
	var history []string // for the failure message
	held := 0
	for time.Now().Before(deadline) && held < 4 {
		f, s = fast.receivedLayer(camSID), slow.receivedLayer(camSID)
		history = append(history, fmt.Sprintf("fast %vpx %s/%s est %.0f | slow %vpx %s/%s paused=%v est %.0f",
			f.FrameWidth, f.Quality, f.Reason, f.EstimateBps, s.FrameWidth, s.Quality, s.Reason, s.Paused, s.EstimateBps))
		// The server's reason counts too: a narrower picture while the slow page is
		// still climbing (its decoder behind the layer it was given) is no verdict.
		if f.FrameWidth >= 640 && s.FrameWidth > 0 && s.FrameWidth < f.FrameWidth && s.Reason == "bandwidth" {
			held++
		} else {
			held = 0
		}
		time.Sleep(time.Second)
	}
	t.Logf("fast subscriber: %+v", f)
	t.Logf("slow subscriber: %+v", s)
	if held < 4 {
		t.Fatalf("throttled subscriber decodes %v px, unthrottled %v px: want the throttled one narrower for 4 s\n%s",
			s.FrameWidth, f.FrameWidth, strings.Join(history, "\n"))
	}
	// The server says why (subscription_layer), and the slow page's tile shows it.
	if s.Reason != "bandwidth" {
		t.Errorf("the slow subscriber's layer is %s for reason %q, want bandwidth", s.Quality, s.Reason)
	}
	if got := eval[string](slow, `document.querySelector(".tile[data-layer-reason]")?.dataset.layerReason || ""`); got != "bandwidth" {
		t.Errorf("the slow page's tile shows layer reason %q, want bandwidth", got)
	}
}
