package sfu

import (
	"errors"
	"slices"
	"testing"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// On the room's host, the newest session of an identity replaces the older
// one wherever each is: a new session declared by a relay replaces another
// relay's participant or a local one, and a local join replaces a relayed
// one. A replaced local participant is closed with duplicate_identity; a
// replaced relayed one leaves here for duplicate_identity and its relay is
// told (replaced) before anyone hears of the newer session. A declaration
// that is not a new session never replaces anyone, and a relay's replaced
// participant is not declared as new again before the relay says it left.
func TestNewestSessionOfAnIdentityReplacesTheOlderAcrossRelays(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("one-identity")
	wally := joinClient(t, room, "wally")
	relayB := joinClient(t, room, "relay-node-2", func(p *JoinParams) { p.Kind = vocab.ParticipantRelay })
	relayC := joinClient(t, room, "relay-node-3", func(p *JoinParams) { p.Kind = vocab.ParticipantRelay })
	xena := func() *Participant {
		t.Helper()
		p, ok := room.Participant("xena")
		if !ok {
			t.Fatal("no xena in the room")
		}
		return p
	}
	// replacedThen reports whether relay was told xena was replaced, before
	// it heard of her newer session (sid).
	replacedThen := func(relay *testClient, sid string) bool {
		evs := relay.log.all()
		told := slices.IndexFunc(evs, isEvent(func(a RelayedAdmin) bool {
			return a.Identity == "xena" && a.Action == vocab.RelayedReplaced
		}))
		joined := slices.IndexFunc(evs, isEvent(func(j ParticipantJoined) bool { return j.Participant.SID == sid }))
		return told >= 0 && (joined < 0 || told < joined)
	}
	leftFor := func(sid string) vocab.CloseReason {
		for _, ev := range wally.log.all() {
			if l, ok := ev.(ParticipantLeft); ok && l.Participant.SID == sid {
				return l.Reason
			}
		}
		return ""
	}

	// xena on node 2, then a new session of hers on node 3.
	if err := relayB.p.DeclareRelayedJoined(RelayedOwner{Identity: "xena", Name: "Xena"}); err != nil {
		t.Fatal(err)
	}
	onB := xena()
	if err := relayC.p.DeclareRelayedJoined(RelayedOwner{Identity: "xena", Name: "Xena"}); err != nil {
		t.Fatalf("a new session of xena through another relay: %v", err)
	}
	onC := xena()
	if onC == onB || onC.relay != relayC.p {
		t.Fatal("xena's new session through node 3 did not replace the one of node 2")
	}
	if r := leftFor(onB.SID()); r != vocab.ReasonDuplicateIdentity {
		t.Errorf("wally saw xena of node 2 leave for %q, want duplicate_identity", r)
	}
	wally.waitEvent("xena of node 3 joined", isEvent(func(j ParticipantJoined) bool { return j.Participant.SID == onC.SID() }))
	if !replacedThen(relayB, onC.SID()) {
		t.Errorf("node 2's relay was not told xena was replaced before her new session joined: %s", describe(relayB.log.all()))
	}

	// Node 2's stale session: its update is refused, and so is a new-session
	// declaration until its relay says it left; that leave is accepted.
	if err := relayB.p.DeclareRelayed(RelayedOwner{Identity: "xena", Name: "Xena (old)"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("the replaced session's update: %v, want ErrInvalidArgument", err)
	}
	if err := relayB.p.DeclareRelayedJoined(RelayedOwner{Identity: "xena"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("the replaced session declared as new again: %v, want ErrInvalidArgument", err)
	}
	if err := relayB.p.RemoveRelayed("xena", vocab.ReasonDuplicateIdentity); err != nil {
		t.Errorf("the replaced session's leave: %v", err)
	}
	if xena() != onC {
		t.Fatal("the replaced session's leave took xena of node 3 out")
	}
	if err := relayB.p.RemoveRelayed("xena", ""); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("the replaced session's leave told twice: %v, want ErrInvalidArgument", err)
	}

	// A local join replaces the relayed session.
	local := joinClient(t, room, "xena")
	if xena() != local.p {
		t.Fatal("xena's join here did not replace her session of node 3")
	}
	if r := leftFor(onC.SID()); r != vocab.ReasonDuplicateIdentity {
		t.Errorf("wally saw xena of node 3 leave for %q, want duplicate_identity", r)
	}
	if !replacedThen(relayC, local.p.SID()) {
		t.Errorf("node 3's relay was not told xena was replaced before her join here: %s", describe(relayC.log.all()))
	}

	// Node 2 again (its last session left): its new session replaces the
	// local one, whose client is told duplicate_identity.
	if err := relayB.p.DeclareRelayed(RelayedOwner{Identity: "xena"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a declaration that is no new session, of a local identity: %v, want ErrInvalidArgument", err)
	}
	if err := relayB.p.DeclareRelayedJoined(RelayedOwner{Identity: "xena", Name: "Xena"}); err != nil {
		t.Fatalf("a new session of xena on node 2: %v", err)
	}
	local.waitEvent("closed as a duplicate", isEvent(func(c Closed) bool { return c.Reason == vocab.ReasonDuplicateIdentity }))
	if p := xena(); p.relay != relayB.p {
		t.Error("xena's new session on node 2 did not replace the local one")
	}
	if r := leftFor(local.p.SID()); r != vocab.ReasonDuplicateIdentity {
		t.Errorf("wally saw the local xena leave for %q, want duplicate_identity", r)
	}
	if n := countEvents[RelayedAdmin](relayB.log); n != 1 {
		t.Errorf("node 2's relay was told %d actions, want 1 (its first xena replaced)", n)
	}
	if room.LocalParticipants() != 1 {
		t.Errorf("%d local participants, want wally only", room.LocalParticipants())
	}
}
