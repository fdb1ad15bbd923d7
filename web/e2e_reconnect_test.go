package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// recordStates makes the page keep the session's state changes in __ensemble.states.
func recordStates(p *page) {
	p.t.Helper()
	eval[bool](p, `(() => { __ensemble.states = []; __ensemble.banners = [];
		__ensemble.session.addEventListener("state", e => __ensemble.states.push(e.detail.state + (e.detail.resumed ? ":resumed" : "") + (e.detail.rejoined ? ":rejoined" : "")));
		new MutationObserver(() => { const b = document.getElementById("banner"); if (b.textContent) __ensemble.banners.push(b.textContent); })
			.observe(document.getElementById("banner"), {childList: true, characterData: true, subtree: true});
		return true; })()`)
}

// framesGrow waits until the frames decoded from participantSID's camera grow by more than n.
func framesGrow(p *page, participantSID string, n float64, timeout time.Duration) {
	p.t.Helper()
	sid := trackSID(p, participantSID, "camera")
	before := framesFrom(p, participantSID, "camera")
	p.waitJS("frames growing", fmt.Sprintf(`__ensemble.inbound().then(s => s.some(r => r.trackIdentifier === %s && r.framesDecoded > %v))`,
		jsString(sid), before+n), timeout)
}

// After the WebSocket drops, the page resumes its session: a banner while it
// reconnects, the same participant afterwards, and media flowing both ways (the
// publisher restarted ICE). The other page sees nothing.
func TestE2EResumesAfterTheConnectionDrops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServer(t, servertest.WithResumeGrace(10*time.Second))
	b := startBrowser(t, ctx)
	const room = "resume-room"
	alice := b.newPage("alice", true)
	bob := b.newPage("bob", false)
	alice.join(srv.URL, room, "Alice")
	bob.join(srv.URL, room, "Bob")
	bob.waitMediaFrom(1, 30*time.Second)
	alice.waitMediaFrom(1, 30*time.Second)
	bobSID := eval[string](bob, `__ensemble.session.me.sid`)
	aliceSID := eval[string](alice, `__ensemble.session.me.sid`)
	recordStates(bob)
	recordStates(alice)

	eval[bool](bob, `(__ensemble.session.signal.drop(), true)`)
	bob.waitJS("resumed", `__ensemble.states.includes("connected:resumed")`, 15*time.Second)
	if got := eval[string](bob, `__ensemble.session.me.sid`); got != bobSID {
		t.Fatalf("Bob resumed as %s, want the same participant %s", got, bobSID)
	}
	if !eval[bool](bob, `__ensemble.banners.some(b => b.includes("Reconnecting"))`) {
		t.Error("no reconnecting banner was shown")
	}
	framesGrow(bob, aliceSID, 30, 15*time.Second)
	framesGrow(alice, bobSID, 30, 15*time.Second)
	if n := eval[int](alice, `__ensemble.states.length`); n != 0 {
		t.Errorf("Alice's session changed state during Bob's resume: %v", eval[[]string](alice, `__ensemble.states`))
	}
	if eval[bool](alice, `__ensemble.banners.some(b => b.includes("left"))`) {
		t.Error("Alice was told Bob left")
	}
}

// When the network is gone longer than the server keeps the session, the resume
// is refused and the page joins afresh and publishes again by itself.
func TestE2ERejoinsWhenTheResumeIsRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServer(t, servertest.WithResumeGrace(time.Second))
	b := startBrowser(t, ctx)
	const room = "rejoin-room"
	alice := b.newPage("alice", true)
	bob := b.newPage("bob", false)
	alice.join(srv.URL, room, "Alice")
	bob.join(srv.URL, room, "Bob")
	bob.waitMediaFrom(1, 30*time.Second)
	oldSID := eval[string](bob, `__ensemble.session.me.sid`)
	aliceSID := eval[string](alice, `__ensemble.session.me.sid`)
	recordStates(bob)

	offline := func(off bool) {
		t.Helper()
		err := chromedp.Do(bob.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			conds := []*network.Conditions{}
			if off {
				conds = append(conds, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
			}
			_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conds})
			return err
		}))
		if err != nil {
			t.Fatalf("set offline=%v: %v", off, err)
		}
	}
	offline(true)
	eval[bool](bob, `(__ensemble.session.signal.drop(), true)`)
	bob.waitJS("reconnecting", `__ensemble.states.includes("reconnecting")`, 5*time.Second)
	// The server gives up on Bob after its grace: Alice sees him leave.
	alice.waitJS("Bob gone", fmt.Sprintf(`!__ensemble.session.remotes.has(%s)`, jsString(oldSID)), 15*time.Second)
	offline(false)
	bob.waitJS("joined again", `__ensemble.states.includes("connected:rejoined")`, 30*time.Second)
	newSID := eval[string](bob, `__ensemble.session.me.sid`)
	if newSID == oldSID {
		t.Fatalf("Bob rejoined with the old sid %s", oldSID)
	}
	// Media flows again both ways, with Bob's tracks published anew.
	framesGrow(alice, newSID, 30, 20*time.Second)
	framesGrow(bob, aliceSID, 30, 20*time.Second)
}
