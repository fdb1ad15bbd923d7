package sfu

import (
	"errors"
	"slices"
	"sync"
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

	// A relay is nobody's older session.
	if err := relayB.p.DeclareRelayedJoined(RelayedOwner{Identity: relayC.name}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a relay declaring another relay's identity as a new session: %v, want ErrInvalidArgument", err)
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

// Three sessions of one identity reaching the host at the same instant (one
// joining here, one through each of two relays), twenty times: every time one
// stays, the others' news never outlives them (a participant replaced while
// joining is neither announced nor said to leave, never announced after its
// leave), the roster of a participant here ends with exactly that one, and
// each relay whose session did not stay was told it was replaced.
func TestSimultaneousSessionsOfAnIdentityLeaveOne(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("identity-race")
	wally := joinClient(t, room, "wally")
	relays := []*testClient{
		joinClient(t, room, "relay-node-2", func(p *JoinParams) { p.Kind = vocab.ParticipantRelay }),
		joinClient(t, room, "relay-node-3", func(p *JoinParams) { p.Kind = vocab.ParticipantRelay }),
	}
	replacedTold := func(relay *testClient) int {
		n := 0
		for _, ev := range relay.log.all() {
			if a, ok := ev.(RelayedAdmin); ok && a.Action == vocab.RelayedReplaced {
				n++
			}
		}
		return n
	}
	// xenas is wally's roster's sessions of xena: joined, not left.
	xenas := func() map[string]bool {
		in := map[string]bool{}
		for _, ev := range wally.log.all() {
			switch ev := ev.(type) {
			case ParticipantJoined:
				if ev.Participant.Identity == "xena" {
					in[ev.Participant.SID] = true
				}
			case ParticipantLeft:
				if ev.Participant.Identity == "xena" {
					delete(in, ev.Participant.SID)
				}
			}
		}
		return in
	}
	told := make([]int, len(relays))
	for round := range 20 {
		var wg sync.WaitGroup
		localLog := newEventLog()
		var local *Participant
		var localErr error
		wg.Go(func() {
			local, localErr = room.Join(JoinParams{Identity: "xena", Sink: localLog,
				Permissions: vocab.Permissions{CanPublish: true, CanSubscribe: true}})
		})
		for _, relay := range relays {
			wg.Go(func() { _ = relay.p.DeclareRelayedJoined(RelayedOwner{Identity: "xena", Name: "Xena"}) })
		}
		wg.Wait()
		if localErr != nil {
			t.Fatalf("round %d: xena's join here: %v", round, localErr)
		}
		stays, ok := room.Participant("xena")
		if !ok {
			t.Fatalf("round %d: no xena stayed", round)
		}
		if got := xenas(); len(got) != 1 || !got[stays.SID()] {
			var seen []string
			for _, ev := range wally.log.all() {
				switch ev := ev.(type) {
				case ParticipantJoined:
					seen = append(seen, "joined "+ev.Participant.SID)
				case ParticipantLeft:
					seen = append(seen, "left "+ev.Participant.SID)
				}
			}
			t.Fatalf("round %d: wally's roster has xena's sessions %v, want only %s (relayed by %v, local %s); %v", round, got, stays.SID(), stays.relay != nil, local.SID(), seen[max(0, len(seen)-8):])
		}
		if stays != local {
			waitFor(t, "the local xena closed as a duplicate", func() bool {
				return slices.ContainsFunc(localLog.all(), isEvent(func(c Closed) bool { return c.Reason == vocab.ReasonDuplicateIdentity }))
			})
		}
		for i, relay := range relays {
			if stays.relay != relay.p {
				told[i]++
			}
			if n := replacedTold(relay); n != told[i] {
				t.Fatalf("round %d: %s was told %d replacements, want %d", round, relay.name, n, told[i])
			}
			// Its node says the replaced session left (it stays if not).
			if stays.relay != relay.p {
				if err := relay.p.RemoveRelayed("xena", vocab.ReasonDuplicateIdentity); err != nil {
					t.Fatalf("round %d: the replaced session's leave from %s: %v", round, relay.name, err)
				}
			}
		}
		// The one that stayed leaves.
		if stays.relay != nil {
			if err := stays.relay.RemoveRelayed("xena", ""); err != nil {
				t.Fatal(err)
			}
		} else {
			stays.Close(vocab.ReasonClientLeft)
		}
		if got := xenas(); len(got) != 0 {
			t.Fatalf("round %d: wally still sees xena's sessions %v once all left", round, got)
		}
	}
}
