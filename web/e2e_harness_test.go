package web_test

// The harness of the browser tests: a real Ensemble server (servertest: sfu engine,
// signalling, the room API for guest tokens, and this package's app at /) and one
// headless Chromium with fake camera and microphone, in which each participant is a
// tab of its own window.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ensemble-sfu/ensemble/internal/oidctest"
	"github.com/ensemble-sfu/ensemble/signalling/api"
	"github.com/ensemble-sfu/ensemble/signalling/lobby"
	"github.com/ensemble-sfu/ensemble/signalling/oidcauth"
	"github.com/ensemble-sfu/ensemble/signalling/server"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/web"
	"github.com/ensemble-sfu/ensemble/web/outlook"
)

// e2eTimeout bounds one browser test.
const e2eTimeout = 90 * time.Second

// chromiumPath finds Debian's chromium. Outside CI a missing browser skips the
// test; under CI=true it fails it, because a silent skip would hide a broken setup.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium found: apt-get update && apt-get install -y chromium"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one Chromium process; each page is a tab in its own window (a tab
// hidden behind another would be document.hidden, and the app pauses its video).
type browser struct {
	t   *testing.T
	ctx context.Context // the first tab's context, parent of the others
}

// startBrowser starts Chromium for the test, closed by t.Cleanup. extra flags are
// added to the standard ones.
func startBrowser(t *testing.T, ctx context.Context, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	exe := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("auto-select-desktop-capture-source", "Entire screen"),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1280, 720),
	}
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{t: t, ctx: bctx}
}

// page is one tab.
type page struct {
	t    *testing.T
	name string
	ctx  context.Context
	log  *pageLog
}

// newPage opens a tab (the first call reuses the browser's first tab).
func (b *browser) newPage(name string, first bool) *page {
	b.t.Helper()
	ctx := b.ctx
	if !first {
		var cancel context.CancelFunc
		ctx, cancel = chromedp.NewContext(b.ctx)
		b.t.Cleanup(cancel)
	}
	return b.pageIn(ctx, name)
}

// pageIn opens the tab of ctx and keeps its log.
func (b *browser) pageIn(ctx context.Context, name string) *page {
	b.t.Helper()
	p := &page{t: b.t, name: name, ctx: ctx, log: &pageLog{}}
	if err := chromedp.Listen(ctx, p.log.take); err != nil {
		b.t.Fatalf("open tab %s: %v", name, err)
	}
	return p
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
}

// eval runs a JavaScript expression (awaiting a promise) and decodes its value.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: eval %q: %v", p.name, expr, err)
	}
	return v
}

// waitJS waits until the expression is truthy.
func (p *page) waitJS(what, expr string, timeout time.Duration) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[bool]("!!("+expr+")",
		chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		p.t.Fatalf("%s: waiting for %s: %v\n%s", p.name, what, err, p.debugState())
	}
}

// debugState is what the page shows and holds, for failure messages. It reads only
// through window.__ensemble, so that it also describes a page whose script never ran
// (an error page, a module that failed to load).
func (p *page) debugState() string {
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`JSON.stringify({
		href: location.href,
		readyState: document.readyState,
		title: document.title,
		script: typeof window.__ensemble,
		ready: window.__ensemble && __ensemble.ready,
		screen: window.__ensemble && __ensemble.screen,
		// What the page fetched and how long each took (ms); a request still
		// pending has no entry yet.
		resources: performance.getEntriesByType("resource").map(e => e.name.replace(location.origin, "") + ":" + Math.round(e.duration)),
		state: window.__ensemble && __ensemble.session && __ensemble.session.state,
		banner: document.getElementById("banner")?.textContent,
		prejoinError: document.getElementById("prejoin-error")?.textContent,
		left: document.getElementById("left-reason")?.textContent,
		hostError: (document.getElementById("sch-error") || {}).textContent,
		hostStatus: [(document.getElementById("details-status") || {}).textContent, (document.getElementById("upcoming-status") || {}).textContent],
		tiles: [...document.querySelectorAll(".tile")].map(t => t.dataset.key + ":" + t.className),
		pub: window.__ensemble && __ensemble.session && __ensemble.session.publisher && __ensemble.session.publisher.connectionState,
		sub: window.__ensemble && __ensemble.session && __ensemble.session.subscriber && __ensemble.session.subscriber.connectionState,
		pubs: window.__ensemble && __ensemble.session ? [...__ensemble.session.pubs.bySource.values()].map(p => p.source + "=" + p.sid + (p.muted ? "(muted)" : "")) : [],
		remotes: window.__ensemble && __ensemble.session ? [...__ensemble.session.remotes.values()].map(p => p.info.name + ":" + [...p.tracks.values()].map(t => t.info.source + "=" + t.info.sid + (t.stream ? "+media" : "")).join(",")) : [],
	})`))
	if err != nil {
		s = "(no state: " + err.Error() + ")"
	}
	if c := p.log.String(); c != "" {
		s += "\npage's log:\n" + c
	}
	return s
}

// join opens the room page, types the name and presses Join.
func (p *page) join(baseURL, room, name string) {
	p.t.Helper()
	p.joinWith(baseURL, room, name, true)
}

// joinWith joins with the camera on or off (pressing the pre-join camera button).
func (p *page) joinWith(baseURL, room, name string, camera bool) {
	p.t.Helper()
	p.do(chromedp.Navigate(baseURL + "/" + room))
	p.waitJS("the pre-join screen", `window.__ensemble && __ensemble.screen === "prejoin"`, 15*time.Second)
	// Wait for the camera preview so the camera is published at once.
	p.waitJS("the camera preview", `document.getElementById("preview-video").srcObject`, 15*time.Second)
	if !camera {
		p.do(chromedp.Click(chromedp.CSS("#pj-cam")))
		p.waitJS("the camera off", `document.getElementById("pj-cam").getAttribute("aria-pressed") === "false"`, 5*time.Second)
	}
	p.do(
		chromedp.SetValue(chromedp.CSS("#pj-name"), name),
		chromedp.Click(chromedp.CSS("#pj-join")),
	)
	p.waitJS("the meeting screen", `__ensemble.screen === "meeting" && __ensemble.session.state === "connected"`, 20*time.Second)
}

// rtpIn is one inbound-rtp entry as __ensemble.inbound() returns it.
type rtpIn struct {
	Kind                 string  `json:"kind"`
	TrackIdentifier      string  `json:"trackIdentifier"`
	FramesDecoded        float64 `json:"framesDecoded"`
	FrameWidth           float64 `json:"frameWidth"`
	FrameHeight          float64 `json:"frameHeight"`
	TotalSamplesReceived float64 `json:"totalSamplesReceived"`
	PacketsReceived      float64 `json:"packetsReceived"`
}

func (p *page) inbound() []rtpIn {
	p.t.Helper()
	raw := eval[string](p, `__ensemble.inbound().then(JSON.stringify)`)
	var out []rtpIn
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		p.t.Fatalf("%s: inbound stats %q: %v", p.name, raw, err)
	}
	return out
}

// mediaTotals sums what was decoded: video frames per remote track, audio samples.
func mediaTotals(in []rtpIn) (videoTracks int, frames float64, audioTracks int, samples float64) {
	for _, r := range in {
		switch r.Kind {
		case "video":
			if r.FramesDecoded > 0 {
				videoTracks++
			}
			frames += r.FramesDecoded
		case "audio":
			if r.TotalSamplesReceived > 0 {
				audioTracks++
			}
			samples += r.TotalSamplesReceived
		}
	}
	return
}

// waitMediaFrom waits until the page decodes video and audio from n others, and
// both keep growing.
func (p *page) waitMediaFrom(n int, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var last []rtpIn
	for time.Now().Before(deadline) {
		last = p.inbound()
		v1, f1, a1, s1 := mediaTotals(last)
		if v1 >= n && a1 >= n {
			time.Sleep(time.Second)
			v2, f2, a2, s2 := mediaTotals(p.inbound())
			if v2 >= n && a2 >= n && f2 > f1 && s2 > s1 {
				return
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	p.t.Fatalf("%s: did not decode video and audio from %d others within %v: %+v\n%s", p.name, n, timeout, last, p.debugState())
}

// testServer is a real server with the API (guest tokens, dev mode) and the app.
type testServer struct {
	*servertest.Server
	Lobby    *lobby.Lobby   // nil unless serverSetup.lobby
	Sessions *oidcauth.Auth // nil unless serverSetup.idp
	Store    store.Store
}

// startServer starts a server in development mode: anyone may join any room as a guest.
func startServer(t *testing.T, opts ...servertest.Option) *testServer {
	t.Helper()
	return startServerWith(t, serverSetup{dev: true}, opts...)
}

// serverSetup says how the room API treats guests.
type serverSetup struct {
	dev   bool         // guests may join any room
	rooms []store.Room // rooms created before the server starts (with their guest policy)
	// lobby gives the server and the API the room records and a lobby: rooms whose
	// record has lobby on hold their guests until a room admin decides.
	lobby bool
	// idp, when set, is the OpenID provider hosts sign in with (/auth/ is mounted and
	// the API has the host routes); hosts are staff.example addresses.
	idp *oidctest.Provider
	// officeJS, when set, mounts the Outlook add-in with this Office.js (a stand-in).
	officeJS string
}

func startServerWith(t *testing.T, setup serverSetup, opts ...servertest.Option) *testServer {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	for _, r := range setup.rooms {
		if err := st.PutRoom(context.Background(), r); err != nil {
			t.Fatalf("create room %s: %v", r.Name, err)
		}
	}
	var lob *lobby.Lobby
	if setup.lobby {
		lob = lobby.New(lobby.Config{})
		t.Cleanup(lob.Close)
		opts = append(opts, servertest.WithServerConfig(func(c *server.Config) { c.Store, c.Lobby = st, lob }))
	}
	var sessions *oidcauth.Auth
	if setup.idp != nil {
		opts = append(opts, servertest.WithHandler("/auth/", func(s *servertest.Server) http.Handler {
			a, err := oidcauth.New(oidcauth.Config{Issuer: setup.idp.Issuer, ClientID: oidctest.ClientID,
				ClientSecret: oidctest.ClientSecret, RedirectURL: s.URL + oidcauth.CallbackPath,
				SessionSecret: strings.Repeat("e2e-session-secret", 2),
				Host:          oidcauth.HostRule{EmailDomains: []string{"staff.example"}}}, nil)
			if err != nil {
				t.Fatalf("sign-in: %v", err)
			}
			a.UseRevocations(st)
			sessions = a
			return a.Handler()
		}))
	}
	opts = append(opts,
		servertest.WithHandler("/api/", func(s *servertest.Server) http.Handler {
			return api.New(api.Deps{
				Engine:   s.Engine,
				Store:    st,
				Verifier: s.Verifier,
				Keys:     map[string]string{s.APIKey: s.APISecret},
				Dev:      setup.dev,
				Lobby:    lob,
				Sessions: sessions,
				// Invitations with every way in (only where hosts sign in, so that
				// the other tests keep their texts).
				SIPDomain:   map[bool]string{true: "sip.example.test"}[sessions != nil],
				PhoneNumber: map[bool]string{true: "+33 1 23 45 67 89"}[sessions != nil],
			})
		}),
		servertest.WithHandler("/", func(*servertest.Server) http.Handler { return web.Handler() }),
	)
	if setup.officeJS != "" {
		opts = append(opts, servertest.WithHandler(outlook.Prefix, func(*servertest.Server) http.Handler {
			h, err := outlook.Handler(outlook.Options{OfficeJSURL: setup.officeJS})
			if err != nil {
				t.Fatalf("outlook add-in: %v", err)
			}
			return h
		}))
	}
	return &testServer{Server: servertest.Start(t, opts...), Lobby: lob, Sessions: sessions, Store: st}
}

// shot saves a PNG of the page when ENSEMBLE_SCREENSHOT=1, so that CI never
// rewrites the committed picture.
func (p *page) shot(path string) {
	p.t.Helper()
	if os.Getenv("ENSEMBLE_SCREENSHOT") != "1" {
		return
	}
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("%s: screenshot: %v", p.name, err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatalf("write %s: %v", path, err)
	}
	p.t.Logf("screenshot saved to %s", path)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func describe(in []rtpIn) string {
	var b strings.Builder
	for _, r := range in {
		fmt.Fprintf(&b, "[%s %s frames=%v %vx%v samples=%v] ", r.Kind, r.TrackIdentifier, r.FramesDecoded, r.FrameWidth, r.FrameHeight, r.TotalSamplesReceived)
	}
	return b.String()
}
