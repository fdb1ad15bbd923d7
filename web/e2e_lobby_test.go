package web_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
)

// A room created through the API with its lobby on holds guests until its host (a
// token with room_admin) decides: the guest sees a waiting screen, the host a knock
// notice and the lobby list; the admitted guest joins and receives the host's media,
// the refused one is told so.
func TestE2ELobbyHostAdmitsAndRefusesGuests(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServerWith(t, serverSetup{dev: true, lobby: true})
	const room = "lobby-room"
	createRoom(t, srv, `{"name":"`+room+`","lobby":true}`)

	b := startBrowser(t, ctx)

	// Ana knocks before anyone is in the room, and waits.
	ana := b.newPage("ana", true)
	ana.knock(srv.URL, room, "Ana")
	if h := eval[string](ana, `document.getElementById("lobby-heading").textContent`); h != "Waiting for the host to let you in" {
		t.Errorf("waiting screen heading %q", h)
	}

	// The host joins, hears of Ana (announced in the live region) and admits her
	// from the knock notice with the keyboard.
	host := b.newPage("host", false)
	grants := auth.DefaultParticipantGrants()
	grants.RoomAdmin = true
	hostToken := srv.TokenWith(auth.TokenParams{Identity: "host", Name: "Hélène", Room: room, Grants: grants, TTL: time.Hour})
	host.join(srv.URL, room+"#token="+hostToken, "Hélène")
	host.waitJS("the knock notice", `!document.getElementById("lobby-notice").hidden && document.querySelector("#lobby-notice .lobby-admit")`, 10*time.Second)
	host.waitJS("the knock announced", `document.getElementById("banner").textContent.includes("Ana is waiting to join")`, 5*time.Second)
	if got := eval[string](host, `document.querySelector("#lobby-notice .lobby-admit").getAttribute("aria-label")`); got != "Admit Ana" {
		t.Errorf("admit button labelled %q, want %q", got, "Admit Ana")
	}
	if got := eval[string](host, `document.getElementById("ctl-people").getAttribute("aria-label")`); got != "Participants (1 waiting to join)" {
		t.Errorf("participants button labelled %q", got)
	}
	host.do(chromedp.Focus(chromedp.CSS("#lobby-notice .lobby-admit")), chromedp.KeyEvent(kb.Enter))

	ana.waitJS("the meeting screen", `__ensemble.screen === "meeting" && __ensemble.session.state === "connected"`, 15*time.Second)
	ana.waitMediaFrom(1, 20*time.Second)
	host.waitJS("the notice gone", `document.getElementById("lobby-notice").hidden`, 5*time.Second)

	// Bruno knocks; the host refuses him from the participant panel's lobby list.
	bruno := b.newPage("bruno", false)
	bruno.knock(srv.URL, room, "Bruno")
	host.do(chromedp.Click(chromedp.CSS("#ctl-people")))
	host.waitJS("Bruno in the lobby list", `[...document.querySelectorAll("#lobby-list .lobby-guest")].some(li => li.textContent.includes("Bruno"))`, 10*time.Second)
	if got := eval[string](host, `document.getElementById("lobby-list-heading").textContent`); got != "Waiting to join (1)" {
		t.Errorf("lobby list heading %q", got)
	}
	host.do(chromedp.Click(chromedp.CSS(`#lobby-list .lobby-refuse`)))
	bruno.waitJS("the refusal", `__ensemble.screen === "left"`, 10*time.Second)
	heading := eval[string](bruno, `document.getElementById("left-heading").textContent`)
	reason := eval[string](bruno, `document.getElementById("left-reason").textContent`)
	if heading != "You were not let in" || !strings.Contains(reason, "refused") {
		t.Errorf("refused guest sees %q / %q", heading, reason)
	}
	host.waitJS("the lobby list empty", `document.getElementById("lobby-section").hidden`, 5*time.Second)

	// Chloé knocks, then gives up: she is told she left, the host's list empties.
	chloe := b.newPage("chloe", false)
	chloe.knock(srv.URL, room, "Chloé")
	host.waitJS("Chloé in the lobby list", `document.querySelectorAll("#lobby-list .lobby-guest").length === 1`, 10*time.Second)
	chloe.do(chromedp.Click(chromedp.CSS("#lobby-leave")))
	chloe.waitJS("the left screen", `__ensemble.screen === "left" && document.getElementById("left-reason").textContent === "You left the meeting."`, 10*time.Second)
	host.waitJS("the lobby list empty again", `document.getElementById("lobby-section").hidden`, 5*time.Second)
	if n := len(srv.Lobby.Waiting(room)); n != 0 {
		t.Errorf("%d guests still wait", n)
	}
}

// knock opens the room page as a guest with the camera off, presses Join and waits
// for the lobby's waiting screen.
func (p *page) knock(baseURL, room, name string) {
	p.t.Helper()
	p.do(chromedp.Navigate(baseURL + "/" + room))
	p.waitJS("the pre-join screen", `window.__ensemble && __ensemble.screen === "prejoin"`, 15*time.Second)
	p.waitJS("the camera preview", `document.getElementById("preview-video").srcObject`, 15*time.Second)
	p.do(chromedp.Click(chromedp.CSS("#pj-cam")))
	p.waitJS("the camera off", `document.getElementById("pj-cam").getAttribute("aria-pressed") === "false"`, 5*time.Second)
	p.do(chromedp.SetValue(chromedp.CSS("#pj-name"), name), chromedp.Click(chromedp.CSS("#pj-join")))
	p.waitJS("the waiting screen", `__ensemble.screen === "lobby" && __ensemble.session.state === "waiting"`, 15*time.Second)
}

// createRoom creates a room through the HTTP API (POST /api/v1/rooms).
func createRoom(t *testing.T, srv *testServer, body string) {
	t.Helper()
	tok := srv.TokenWith(auth.TokenParams{Identity: "e2e-admin", Grants: auth.Grants{RoomCreate: true}, TTL: time.Hour})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/v1/rooms", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("create room: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create room: %s: %s", resp.Status, b)
	}
}
