package web_test

// Helpers of the sign-in browser tests: pages with a cookie jar of their own, the
// provider's login form, cookies read through CDP, and ical.js from npm to read the
// .ics the app offers.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ensemble-sfu/ensemble/internal/oidctest"
)

// newIsolatedPage opens a tab in a browser context of its own: its own cookies, as
// another person on another machine.
func (b *browser) newIsolatedPage(name string) *page {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	return b.pageIn(ctx, name)
}

// signIn follows the page's "Sign in" link to the provider's login form, signs in
// as person and waits for the app to come back.
func (p *page) signIn(baseURL string, person oidctest.Person) {
	p.t.Helper()
	p.do(chromedp.Navigate(baseURL + "/"))
	p.waitJS("the home page", `window.__ensemble && __ensemble.ready && __ensemble.screen === "home"`, 15*time.Second)
	p.waitJS("the sign-in link", `!document.getElementById("home-signin").hidden`, 5*time.Second)
	p.do(chromedp.Click(chromedp.CSS("#home-signin")))
	p.do(chromedp.WaitVisible(chromedp.CSS("#username")))
	p.do(
		chromedp.SetValue(chromedp.CSS("#username"), person.Username),
		chromedp.SetValue(chromedp.CSS("#password"), oidctest.Password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
	)
	p.waitAcrossNavigation("the app after sign-in", `window.__ensemble && __ensemble.ready && __ensemble.account && __ensemble.account.signedIn`, 15*time.Second)
}

// waitAcrossNavigation is waitJS for a condition on a page that is still going
// through redirects: an evaluation cut by a navigation is tried again.
func (p *page) waitAcrossNavigation(what, expr string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		_, err := chromedp.Run(p.ctx, chromedp.Poll[bool]("!!(typeof window !== 'undefined' && ("+expr+"))",
			chromedp.WithPollingTimeout(time.Until(deadline)), chromedp.WithPollingInterval(100*time.Millisecond)))
		if err == nil {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	where, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`location.href + " " + document.body.innerText.slice(0, 300)`))
	p.t.Fatalf("%s: waiting for %s: %v\nat %s\n%s", p.name, what, last, where, p.debugState())
}

// cookie reads a cookie of the page's URL through CDP (HttpOnly cookies included).
func (p *page) cookie(name string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, func(ctx context.Context, tg *chromedp.Target) (string, error) {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{})
		if err != nil {
			return "", err
		}
		for _, c := range res.Cookies {
			if c.Name == name {
				return c.Value, nil
			}
		}
		return "", nil
	})
	if err != nil {
		p.t.Fatalf("%s: cookies: %v", p.name, err)
	}
	return v
}

// fetchJSON runs fetch in the page (with its cookies) and returns the status and the
// decoded body.
func (p *page) fetchJSON(method, path, body string) (int, map[string]any) {
	p.t.Helper()
	raw := eval[string](p, `fetch(`+jsString(path)+`, {method: `+jsString(method)+`, headers: {"Content-Type": "application/json"}`+
		map[bool]string{true: `, body: ` + jsString(body), false: ``}[body != ""]+`}).then(async r => JSON.stringify({status: r.status, body: await r.json().catch(() => ({}))}))`)
	var out struct {
		Status int            `json:"status"`
		Body   map[string]any `json:"body"`
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		p.t.Fatalf("%s: fetch %s: %q: %v", p.name, path, raw, err)
	}
	return out.Status, out.Body
}

// icalEvent is what ical.js reads out of an .ics.
type icalEvent struct {
	Method      string `json:"method"`
	Summary     string `json:"summary"`
	Location    string `json:"location"`
	Description string `json:"description"`
	Sequence    int    `json:"sequence"`
	UID         string `json:"uid"`
	Status      string `json:"status"`
	RRule       string `json:"rrule"`
	TZID        string `json:"tzid"`
	Start       string `json:"start"`
	End         string `json:"end"`
	VTimezone   string `json:"vtimezone"`
	XSIPURI     string `json:"xsip"`
}

// icalPage is a tab on a small server of the test holding ical.js (the npm package,
// installed by the test with npm into a temporary directory).
type icalPage struct{ *page }

// icalVersion pins the ical.js the tests read invites with.
const icalVersion = "2.2.1"

func newICALPage(t *testing.T, b *browser) icalPage {
	t.Helper()
	npm, err := exec.LookPath("npm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("npm is needed to install ical.js (apt-get install npm)")
		}
		t.Skip("npm not found: ical.js cannot be installed")
	}
	dir := t.TempDir()
	cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", dir, "ical.js@"+icalVersion)
	cmd.Env = append(os.Environ(), "npm_config_update_notifier=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install ical.js@%s: %v\n%s", icalVersion, err, out)
	}
	lib := filepath.Join(dir, "node_modules", "ical.js", "dist", "ical.js")
	mux := http.NewServeMux()
	mux.HandleFunc("/ical.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		http.ServeFile(w, r, lib)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><script type="module">import ICAL from "/ical.js"; window.ICAL = ICAL;</script>`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p := b.newPage("ical.js", false)
	p.do(chromedp.Navigate(srv.URL + "/"))
	p.waitJS("ical.js", `window.ICAL && ICAL.parse`, 10*time.Second)
	return icalPage{p}
}

// parse reads an .ics with ical.js (ICAL.parse, ICAL.Component, ICAL.Event).
func (ip icalPage) parse(ics string) icalEvent {
	ip.t.Helper()
	raw := eval[string](ip.page, `(() => {
		const cal = new ICAL.Component(ICAL.parse(`+jsString(ics)+`));
		const vev = cal.getFirstSubcomponent("vevent");
		const ev = new ICAL.Event(vev);
		const tz = cal.getFirstSubcomponent("vtimezone");
		return JSON.stringify({
			method: cal.getFirstPropertyValue("method") || "",
			summary: ev.summary, location: ev.location, description: ev.description,
			sequence: ev.sequence, uid: ev.uid, status: String(vev.getFirstPropertyValue("status") || ""),
			rrule: vev.getFirstPropertyValue("rrule") ? vev.getFirstPropertyValue("rrule").toString() : "",
			tzid: vev.getFirstProperty("dtstart").getParameter("tzid") || "",
			start: ev.startDate.toString(), end: ev.endDate.toString(),
			vtimezone: tz ? String(tz.getFirstPropertyValue("tzid")) : "",
			xsip: String(vev.getFirstPropertyValue("x-sip-uri") || ""),
		});
	})()`)
	var ev icalEvent
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		ip.t.Fatalf("ical.js: %q: %v", raw, err)
	}
	return ev
}

// reencode decodes a session payload, replaces old by new in its JSON and encodes it
// again (a forgery that keeps the signature).
func reencode(t *testing.T, payload, old, new string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || !strings.Contains(string(raw), old) {
		t.Fatalf("session payload %q: %v", raw, err)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), old, new, 1)))
}
