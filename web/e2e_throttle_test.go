package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// policeDownload caps what reaches the page's subscriber connection to kbps, on the
// real network path: an nftables rule in this machine's input hook drops the packets
// that arrive for the port of the connection's selected candidate beyond the rate, as
// a provider's policer does. (Not in the output hook: a datagram dropped there fails
// the server's sendmmsg call, which then loses the rest of its batch, packets for
// other subscribers included; a network drops silently.) (Chromium's emulated network conditions were tried first:
// they reached the p2p sockets only for a while, and the "slow" page then received the
// full layer.) The rule lives in a table of its own, deleted when the test ends; it needs
// root and nft, as the network-path tests do.
func (p *page) policeDownload(kbps int) {
	p.t.Helper()
	need := func(why string) {
		if os.Getenv("CI") == "true" {
			p.t.Fatalf("policing a page's download: %s", why)
		}
		p.t.Skipf("policing a page's download needs root and nft: %s", why)
	}
	if os.Geteuid() != 0 {
		need("not root")
	}
	if _, err := exec.LookPath("nft"); err != nil {
		need("nft not found")
	}
	p.waitJS("the subscriber connection", `__ensemble.session.subscriber && __ensemble.session.subscriber.connectionState === "connected"`, 20*time.Second)
	local := eval[selectedCandidate](p, `(async () => {
		const stats = await __ensemble.session.subscriber.getStats();
		let pair;
		for (const r of stats.values()) {
			if (r.type === "transport" && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId);
		}
		const c = pair && stats.get(pair.localCandidateId);
		return c ? {port: c.port, protocol: c.protocol} : {port: 0, protocol: ""};
	})()`)
	if local.Port == 0 || local.Protocol != "udp" {
		p.t.Fatalf("%s: no selected UDP candidate pair on the subscriber connection (%+v)", p.name, local)
	}
	table := fmt.Sprintf("ensemble_police_%d_%d", os.Getpid(), local.Port)
	rules := fmt.Sprintf(`table inet %s {
  chain in {
    type filter hook input priority 0; policy accept;
    udp dport %d limit rate over %d kbytes/second burst %d kbytes drop
  }
}
`, table, local.Port, kbps/8, kbps/8)
	file := filepath.Join(p.t.TempDir(), "police.nft")
	if err := os.WriteFile(file, []byte(rules), 0o600); err != nil {
		p.t.Fatal(err)
	}
	if out, err := exec.Command("nft", "-f", file).CombinedOutput(); err != nil {
		p.t.Fatalf("nft -f %s: %v\n%s", file, err, out)
	}
	p.t.Cleanup(func() { _ = exec.Command("nft", "delete", "table", "inet", table).Run() })
	p.t.Logf("%s: packets to UDP port %d policed at %d kbit/s", p.name, local.Port, kbps)
}

type selectedCandidate struct {
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
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

// A subscriber on a slow link (its download policed at 300 kbit/s) receives a lower
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
	// Each subscriber runs in a Chromium of its own (as two people's machines would).
	fast := startBrowser(t, ctx).newPage("fast", true)
	slow := startBrowser(t, ctx).newPage("slow", true)
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
		slow.policeDownload(300)
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
