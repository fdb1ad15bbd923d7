package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ensemble-sfu/ensemble/internal/oidctest"
)

// addinCall is one recorded call of the Office.js stand-in.
type addinCall struct {
	Name string `json:"name"`
	Args []any  `json:"args"`
}

// The Outlook add-in's task pane, in Chromium against the real server, with the
// Office.js surface it calls replaced by a recording stand-in (web/testdata/office:
// Outlook itself cannot run here). Pressing "Add an Ensemble meeting" signs the host
// in through the dialog (a pop-up of the stand-in, on the server's origin), creates
// the meeting with the appointment's subject and times and writes the join link, the
// SIP URI and the dial-in into the body and the location; pressing again changes
// nothing (one meeting, one block in the body); moving the appointment updates the
// meeting (SEQUENCE 1) and the body.
func TestE2EOutlookAddinTaskPane(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*e2eTimeout)
	defer cancel()
	standin := httptest.NewServer(http.FileServer(http.Dir("testdata/office")))
	t.Cleanup(standin.Close)
	srv := startServerWith(t, serverSetup{lobby: true, idp: oidctest.Start(t), officeJS: standin.URL + "/office.js"})
	b := startBrowser(t, ctx)

	// Hélène is signed in to Ensemble in this browser (the dialog then needs no form).
	home := b.newPage("home", true)
	home.signIn(srv.URL, oidctest.Host)

	pane := b.newPage("task pane", false)
	pane.do(chromedp.Navigate(srv.URL + "/addins/outlook/taskpane.html"))
	pane.waitJS("the task pane", `window.__addin && __addin.ready && window.__office`, 10*time.Second)
	if got := eval[string](pane, `document.getElementById("add").textContent`); got != "Add an Ensemble meeting" {
		t.Errorf("button %q", got)
	}
	pane.do(chromedp.Click(chromedp.CSS("#add")))
	pane.waitJS("the meeting added", `__addin.meeting && document.getElementById("status").textContent === "Meeting added to the appointment."`, 20*time.Second)

	m := eval[map[string]any](pane, `__addin.meeting`)
	id, join, sip, loc := m["id"].(string), m["join_url"].(string), m["sip_uri"].(string), m["location"].(string)
	state := eval[map[string]any](pane, `__office.state`)
	body := state["body"].(string)
	if state["location"] != loc || !strings.Contains(loc, join) || !strings.Contains(loc, " | "+sip) {
		t.Errorf("location written %q (meeting location %q)", state["location"], loc)
	}
	for _, want := range []string{"<p>Agenda: the numbers.</p>", `<div data-ensemble="meeting">`, `href="` + join + `"`,
		`<br>` + "\n" + `<a href="` + sip + `">`, "+33 1 23 45 67 89", "Budget review"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if m["title"] != "Budget review" || m["start"] != "2030-05-02T09:00:00Z" || m["end"] != "2030-05-02T10:00:00Z" {
		t.Errorf("meeting %v", m)
	}
	custom := state["custom"].(map[string]any)
	if custom["ensembleMeeting"] != id || custom["ensembleKey"] == "" {
		t.Errorf("custom properties %v", custom)
	}
	calls := eval[[]addinCall](pane, `__office.calls`)
	names := map[string]int{}
	for _, c := range calls {
		names[c.Name]++
	}
	// (messageParent is called in the dialog's window, by its own stand-in.)
	if names["displayDialogAsync"] != 1 || names["messageParent"] != 0 || names["dialog.close"] != 1 || names["addHandlerAsync"] != 1 {
		t.Errorf("Office calls %v", names)
	}

	// The same button again: the same meeting, one block in the body.
	pane.do(chromedp.Click(chromedp.CSS("#add")))
	pane.waitJS("the second press done", `__office.calls.filter(c => c.name === "body.setAsync").length === 2 && !document.getElementById("add").disabled`, 20*time.Second)
	if again := eval[string](pane, `__addin.meeting.id`); again != id {
		t.Errorf("second press made meeting %s, first %s", again, id)
	}
	body = eval[string](pane, `__office.state.body`)
	if n := strings.Count(body, `data-ensemble="meeting"`); n != 1 {
		t.Errorf("%d meeting blocks in the body:\n%s", n, body)
	}
	if n := eval[float64](pane, `__office.calls.filter(c => c.name === "displayDialogAsync").length`); n != 1 {
		t.Errorf("signed in %v times", n)
	}
	all, err := srv.Store.ListMeetings(t.Context())
	if err != nil || len(all) != 1 {
		t.Fatalf("%d meetings stored (%v)", len(all), err)
	}

	// The organiser moves the appointment: the meeting follows.
	_ = eval[bool](pane, `__office.moveTo("2030-05-02T13:30:00.000Z", "2030-05-02T14:15:00.000Z"), true`)
	pane.waitJS("the meeting moved", `__addin.meeting.sequence === 1 && document.getElementById("status").textContent === "Meeting updated to the appointment's new time."`, 20*time.Second)
	stored, err := srv.Store.GetMeeting(t.Context(), id)
	if err != nil || !stored.Start.Equal(time.Date(2030, 5, 2, 13, 30, 0, 0, time.UTC)) || stored.Sequence != 1 {
		t.Fatalf("stored meeting %+v %v", stored, err)
	}
	body = eval[string](pane, `__office.state.body`)
	if strings.Count(body, `data-ensemble="meeting"`) != 1 || !strings.Contains(body, eval[string](pane, `__addin.meeting.invite.html`)) {
		t.Errorf("body after the move:\n%s", body)
	}
}

// Where Office has no dialog API, the add-in signs in through a pop-up window of the
// server's origin that posts the token back.
func TestE2EOutlookAddinSignsInWithoutDialogAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*e2eTimeout)
	defer cancel()
	standin := httptest.NewServer(http.FileServer(http.Dir("testdata/office")))
	t.Cleanup(standin.Close)
	srv := startServerWith(t, serverSetup{lobby: true, idp: oidctest.Start(t), officeJS: standin.URL + "/office.js"})
	b := startBrowser(t, ctx)
	b.newPage("home", true).signIn(srv.URL, oidctest.Host)
	pane := b.newPage("task pane", false)
	pane.do(chromedp.Navigate(srv.URL + "/addins/outlook/taskpane.html?nodialog"))
	pane.waitJS("the task pane", `window.__addin && __addin.ready && !Office.context.ui.displayDialogAsync`, 10*time.Second)
	pane.do(chromedp.Click(chromedp.CSS("#add")))
	pane.waitJS("the meeting added", `__addin.meeting && document.getElementById("status").textContent === "Meeting added to the appointment."`, 20*time.Second)
	if loc := eval[string](pane, `__office.state.location`); !strings.Contains(loc, "sip:") {
		t.Errorf("location %q", loc)
	}
}

// Someone whom the host rule does not make a host is told so in the task pane, and
// nothing is written into the appointment.
func TestE2EOutlookAddinRefusesNonHost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*e2eTimeout)
	defer cancel()
	standin := httptest.NewServer(http.FileServer(http.Dir("testdata/office")))
	t.Cleanup(standin.Close)
	srv := startServerWith(t, serverSetup{lobby: true, idp: oidctest.Start(t), officeJS: standin.URL + "/office.js"})
	b := startBrowser(t, ctx)
	b.newPage("home", true).signIn(srv.URL, oidctest.Guest)
	pane := b.newPage("task pane", false)
	pane.do(chromedp.Navigate(srv.URL + "/addins/outlook/taskpane.html"))
	pane.waitJS("the task pane", `window.__addin && __addin.ready`, 10*time.Second)
	pane.do(chromedp.Click(chromedp.CSS("#add")))
	pane.waitJS("the refusal", `document.getElementById("status").textContent === "Your account may not create meetings."`, 20*time.Second)
	if n := eval[float64](pane, `__office.calls.filter(c => c.name === "body.setAsync" || c.name === "location.setAsync").length`); n != 0 {
		t.Errorf("%v writes into the appointment", n)
	}
}
