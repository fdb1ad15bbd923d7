package web_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// On a 360 px wide phone, in French: nothing overflows sideways, every control is on
// screen, and every button has a French accessible name.
func TestE2EPhoneLayoutInFrench(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServer(t)
	b := startBrowser(t, ctx, chromedp.Flag("lang", "fr-FR"), chromedp.Flag("accept-lang", "fr-FR,fr"))
	p := b.newPage("téléphone", true)
	p.do(chromedp.EmulateViewport(360, 640, chromedp.EmulateMobile))
	p.do(chromedp.Navigate(srv.URL + "/salle-de-test"))
	p.waitJS("the pre-join screen", `window.__ensemble && __ensemble.screen === "prejoin"`, 10*time.Second)
	if lang := eval[string](p, `document.documentElement.lang`); lang != "fr" {
		t.Fatalf("page language %q, want fr (navigator.language %s)", lang, eval[string](p, `navigator.language`))
	}
	if h := eval[string](p, `document.getElementById("prejoin-heading").textContent`); h != "Prêt à rejoindre ?" {
		t.Errorf("pre-join heading %q", h)
	}
	p.waitJS("the camera preview", `document.getElementById("preview-video").srcObject && document.getElementById("pj-camera-select").options.length > 0`, 10*time.Second)
	checkLayout(t, p, 360)
	p.shot(os.TempDir() + "/ensemble-phone-prejoin.png")
	p.join(srv.URL, "salle-de-test", "Élodie")
	checkLayout(t, p, 360)
	p.shot(os.TempDir() + "/ensemble-phone-meeting.png")
	if l := eval[string](p, `document.getElementById("ctl-mic").getAttribute("aria-label")`); l != "Couper le micro" {
		t.Errorf("microphone button label %q, want Couper le micro", l)
	}
	// The chat panel covers the screen on a phone and its input is reachable.
	p.do(chromedp.Click(chromedp.CSS("#ctl-chat")))
	p.waitJS("the chat input in view", `(() => { const r = document.getElementById("chat-input").getBoundingClientRect(); return r.bottom <= innerHeight && r.right <= innerWidth && r.width > 100; })()`, 5*time.Second)
	p.shot(os.TempDir() + "/ensemble-phone-chat.png")
}

// checkLayout fails when the page scrolls sideways, a visible button has no
// accessible name, or a control of the bar lies outside the viewport.
func checkLayout(t *testing.T, p *page, width int) {
	t.Helper()
	if w := eval[int](p, `document.documentElement.scrollWidth`); w > width {
		t.Errorf("%s: page is %d px wide in a %d px viewport", eval[string](p, `__ensemble.screen`), w, width)
	}
	unnamed := eval[[]string](p, `[...document.querySelectorAll("button")]
		.filter(b => b.offsetParent !== null && !(b.getAttribute("aria-label") || b.textContent.trim()))
		.map(b => b.id || b.className)`)
	if len(unnamed) > 0 {
		t.Errorf("buttons without an accessible name: %v", unnamed)
	}
	outside := eval[[]string](p, `[...document.querySelectorAll(".controls button")]
		.filter(b => b.offsetParent !== null)
		.filter(b => { const r = b.getBoundingClientRect(); return r.left < 0 || r.right > innerWidth || r.bottom > innerHeight; })
		.map(b => b.id)`)
	if len(outside) > 0 {
		t.Errorf("controls outside the viewport: %v", outside)
	}
}
