package web_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

// Draining the node that hosts a room with its lobby on keeps the lobby's state:
// the guest the host let in before moves with the room without waiting again,
// and the guest still waiting stays on the waiting screen while its page knocks
// again on the room's new node, where the host (moved too) hears it and lets it
// in.
func TestE2EDrainKeepsTheLobby(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*e2eTimeout)
	defer cancel()
	redisAddr := storetest.StartRedis(t)
	_, node2, admin := startTwoNodes(t, ctx, redisAddr)
	const room = "guarded-room"
	if _, err := admin.CreateRoom(ctx, apiwire.CreateRoomRequest{Name: room, Lobby: true, GuestPolicy: store.GuestAllow}); err != nil {
		t.Fatal(err)
	}
	grants := auth.DefaultParticipantGrants()
	grants.RoomAdmin = true
	hostToken, err := auth.Sign(auth.DevAPIKey, auth.DevAPISecret, auth.TokenParams{Identity: "host", Name: "Hélène", Room: room, Grants: grants, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}

	b := startBrowser(t, ctx)
	host := b.newPage("host", true)
	host.join(node2.url, room+"#token="+hostToken, "Hélène")
	if r, err := admin.GetRoom(ctx, room); err != nil || r.Node != "node-1" {
		t.Fatalf("the room: %+v, %v; want it on node-1", r, err)
	}
	admitFromNotice := func(name string) {
		t.Helper()
		host.waitJS(name+" in the knock notice", `(b => b && b.getAttribute("aria-label") === "Admit `+name+`")(document.querySelector("#lobby-notice .lobby-admit"))`, 20*time.Second)
		host.do(chromedp.Click(chromedp.CSS("#lobby-notice .lobby-admit")))
	}
	ana := b.newPage("ana", false)
	ana.knock(node2.url, room, "Ana")
	admitFromNotice("Ana")
	ana.waitJS("Ana in the meeting", `__ensemble.screen === "meeting" && __ensemble.session.state === "connected"`, 15*time.Second)
	ana.waitMediaFrom(1, 30*time.Second)
	bruno := b.newPage("bruno", false)
	bruno.knock(node2.url, room, "Bruno")
	host.waitJS("Bruno in the knock notice", `document.querySelector("#lobby-notice .lobby-admit")?.getAttribute("aria-label") === "Admit Bruno"`, 10*time.Second)
	for _, p := range []*page{host, ana, bruno} {
		recordStates(p)
	}

	if err := admin.DrainNode(ctx, "node-1"); err != nil {
		t.Fatalf("drain node-1: %v", err)
	}
	for _, p := range []*page{host, ana} {
		p.waitJS("rejoined on the room's new node", `__ensemble.states.includes("connected:rejoined")`, 30*time.Second)
	}
	if r, err := admin.GetRoom(ctx, room); err != nil || r.Node != "node-2" {
		t.Errorf("the room after the drain: %+v, %v; want it on node-2", r, err)
	}
	admitFromNotice("Bruno")
	bruno.waitJS("Bruno in the meeting", `__ensemble.screen === "meeting" && __ensemble.session.state === "connected"`, 15*time.Second)
	bruno.waitMediaFrom(1, 30*time.Second)
	ana.waitMediaFrom(1, 30*time.Second)
	if states := eval[[]string](ana, `__ensemble.states`); slices.Contains(states, "waiting") {
		t.Errorf("Ana, let in before the drain, waited again: states %q", states)
	}
	if states := eval[[]string](bruno, `__ensemble.states`); slices.Contains(states, "closed") {
		t.Errorf("Bruno's wait ended during the drain: states %q", states)
	}
}
