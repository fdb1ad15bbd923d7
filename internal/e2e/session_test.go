package e2e

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// servertestStart starts a server with a resume grace that suits tests.
func servertestStart(t *testing.T, opts ...servertest.Option) *servertest.Server {
	return servertest.Start(t, append([]servertest.Option{servertest.WithResumeGrace(8 * time.Second), servertest.WithLogger(testLogger())}, opts...)...)
}

func servertestMaxParticipants(n int) servertest.Option { return servertest.WithMaxParticipants(n) }

func servertestResumeGrace(d time.Duration) servertest.Option { return servertest.WithResumeGrace(d) }

// A participant whose network and WebSocket drop resumes within the grace period:
// it keeps its tracks and subscriptions, media flows again both ways, and the
// others never see it leave.
func TestResumeAfterNetworkLoss(t *testing.T) {
	ctx := testCtx(t, 20*time.Second)
	srv := servertestStart(t)
	network, err := clienttest.NewNetwork()
	if err != nil {
		t.Fatal(err)
	}
	alice := join(t, ctx, srv, "resume", "alice", client.WithNet(network))
	bob := join(t, ctx, srv, "resume", "bob")
	publishAV(t, ctx, alice)
	publishAV(t, ctx, bob)
	alice.waitMedia(ctx, bob, 2, 30)
	bob.waitMedia(ctx, alice, 2, 30)
	sid := alice.Self().SID

	start := time.Now()
	network.Cut(1500 * time.Millisecond) // closes the WebSocket and loses all UDP
	waitEvent[client.Reconnecting](ctx, alice, "reconnecting", nil)
	waitEvent[client.Resumed](ctx, alice, "resumed", nil)
	t.Logf("resumed %v after the cut", time.Since(start))
	if got := alice.Self().SID; got != sid {
		t.Errorf("resumed as %s, want the same participant %s", got, sid)
	}

	// Media flows again in both directions on the same tracks.
	for _, dir := range []struct{ rx, tx *participant }{{alice, bob}, {bob, alice}} {
		dir.rx.mu.Lock()
		before := map[string]int{}
		for _, st := range dir.rx.tracksFromLocked(dir.tx.Self().SID) {
			before[st.sid] = st.packets
		}
		dir.rx.mu.Unlock()
		dir.rx.waitFor(ctx, "media from "+dir.tx.name+" after the resume", func() bool {
			flowing := 0
			for _, st := range dir.rx.tracksFromLocked(dir.tx.Self().SID) {
				if st.packets > before[st.sid]+20 {
					flowing++
				}
			}
			return flowing == 2
		})
		t.Logf("media from %s flows again %v after the cut", dir.tx.name, time.Since(start))
	}
	if hasEvent(bob, func(e client.ParticipantLeft) bool { return e.Participant.SID == sid }) {
		t.Error("bob saw alice leave during her resume")
	}
	if n := network.Dropped(); n == 0 {
		t.Error("the cut network dropped nothing")
	}
	if _, ok := bob.Other("alice"); !ok {
		t.Error("bob no longer lists alice")
	}
}

// A second join with the same identity replaces the first session: the first is
// closed with duplicate_identity, and the others see the old one leave and the new
// one join.
func TestSameIdentityReplacesFirstSession(t *testing.T) {
	ctx := testCtx(t, 20*time.Second)
	srv := servertestStart(t)
	bob := join(t, ctx, srv, "dup", "bob")
	first := join(t, ctx, srv, "dup", "alice")
	oldSID := first.Self().SID
	second := join(t, ctx, srv, "dup", "alice")

	closed := waitEvent[client.Closed](ctx, first, "first session closed", nil)
	if closed.Reason != vocab.ReasonDuplicateIdentity {
		t.Errorf("first session closed with %q, want %q", closed.Reason, vocab.ReasonDuplicateIdentity)
	}
	select {
	case <-first.Done():
	case <-ctx.Done():
		t.Fatal("first session not done")
	}
	if hasEvent[client.Resumed](first, nil) || hasEvent[client.Reconnecting](first, nil) {
		t.Error("the replaced session tried to resume")
	}
	waitEvent(ctx, bob, "old alice left", func(e client.ParticipantLeft) bool { return e.Participant.SID == oldSID })
	waitEvent(ctx, bob, "new alice joined", func(e client.ParticipantJoined) bool {
		return e.Participant.SID == second.Self().SID && e.Participant.Identity == "alice"
	})
	bob.waitFor(ctx, "one alice in bob's view", func() bool {
		n := 0
		for _, o := range bob.Others() {
			if o.Identity == "alice" {
				n++
			}
		}
		return n == 1
	})
}

// When everyone leaves, the room closes and leaves the engine, and once the server
// stops no goroutine of server, room or clients is left. (TestMain checks the same
// for the whole package.)
func TestRoomClosesWhenAllLeave(t *testing.T) {
	// Registered first, so it runs after every other cleanup (server shutdown included).
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	ctx := testCtx(t, 20*time.Second)
	srv := servertestStart(t)
	var ps []*participant
	for _, name := range []string{"a", "b", "c"} {
		p := join(t, ctx, srv, "closing", name)
		publishAV(t, ctx, p)
		ps = append(ps, p)
	}
	ps[0].waitMedia(ctx, ps[2], 2, 10)
	room, ok := srv.Engine.Room("closing")
	if !ok {
		t.Fatal("the room does not exist while people are in it")
	}
	for i, p := range ps {
		if err := p.Leave(ctx); err != nil {
			t.Fatalf("%s: leave: %v", p.name, err)
		}
		for _, other := range ps[i+1:] {
			waitEvent(ctx, other, p.name+" left", func(e client.ParticipantLeft) bool {
				return e.Participant.Identity == p.name && e.Reason == vocab.ReasonClientLeft
			})
		}
	}
	select {
	case <-room.Done():
	case <-ctx.Done():
		t.Fatal("the room did not close after everyone left")
	}
	if _, ok := srv.Engine.Room("closing"); ok {
		t.Error("the closed room is still in the engine")
	}
	for _, p := range ps {
		p.close()
		if _, ok := <-p.Events(); ok {
			t.Errorf("%s: events channel still open after Close", p.name)
		}
	}
}

// A participant of room A never receives room B's participants or media.
func TestRoomsAreIsolated(t *testing.T) {
	ctx := testCtx(t, 20*time.Second)
	srv := servertestStart(t)
	a1 := join(t, ctx, srv, "room-a", "a1")
	a2 := join(t, ctx, srv, "room-a", "a2")
	b1 := join(t, ctx, srv, "room-b", "b1")
	publishAV(t, ctx, a1)
	publishAV(t, ctx, b1)
	a2.waitMedia(ctx, a1, 2, 50)

	// By now b1's media flowed for as long as a1's: give it a moment more.
	wait, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	<-wait.Done()
	cancel()
	bSID := b1.Self().SID
	for _, p := range []*participant{a1, a2} {
		p.mu.Lock()
		if got := p.tracksFromLocked(bSID); len(got) != 0 {
			t.Errorf("%s in room A receives %d tracks of b1 in room B", p.name, len(got))
		}
		p.mu.Unlock()
		if _, ok := p.Other("b1"); ok {
			t.Errorf("%s in room A lists b1 of room B", p.name)
		}
	}
	b1.mu.Lock()
	if n := len(b1.tracks); n != 0 {
		t.Errorf("b1, alone in room B, receives %d tracks", n)
	}
	b1.mu.Unlock()
	if got := len(b1.Others()); got != 0 {
		t.Errorf("b1 sees %d others in room B, want 0", got)
	}
}

// Only the WebSocket breaks (media keeps flowing): the client resumes on a new
// socket, requests work again, and nobody sees it leave.
func TestResumeAfterWebSocketDrop(t *testing.T) {
	ctx := testCtx(t, 15*time.Second)
	srv := servertestStart(t)
	network, err := clienttest.NewNetwork()
	if err != nil {
		t.Fatal(err)
	}
	alice := join(t, ctx, srv, "wsdrop", "alice", client.WithNet(network))
	bob := join(t, ctx, srv, "wsdrop", "bob")
	_, audio := publishAV(t, ctx, alice)
	bob.waitMedia(ctx, alice, 1, 20)

	network.DropWebSocket()
	waitEvent[client.Resumed](ctx, alice, "resumed", nil)
	if err := alice.Ping(ctx); err != nil {
		t.Fatalf("ping after resume: %v", err)
	}
	if err := audio.SetMuted(ctx, true); err != nil {
		t.Fatalf("mute after resume: %v", err)
	}
	waitEvent(ctx, bob, "mute after alice's resume", func(e client.TrackMuted) bool { return e.TrackSID == audio.SID() && e.Muted })
	if hasEvent(bob, func(e client.ParticipantLeft) bool { return e.Participant.Identity == "alice" }) {
		t.Error("bob saw alice leave")
	}
}
