package sfu

import (
	"errors"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// A relay declares another node's participant before it has a track: it is in
// the roster at once, its name and metadata changes reach the others, a mute
// of its track stops its media here, it stays without tracks, and it leaves
// when the relay removes it. The relay hears nothing of what it declared.
func TestRelayDeclaresItsOwners(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("relayed-roster")
	alice := joinClient(t, room, "alice")
	relay := joinClient(t, room, "relay-node-2", func(p *JoinParams) { p.Kind = vocab.ParticipantRelay })

	if err := relay.p.DeclareRelayed(RelayedOwner{Identity: "bob", Name: "Bob"}); err != nil {
		t.Fatal(err)
	}
	bob, ok := room.Participant("bob")
	if !ok || !bob.IsRelayed() {
		t.Fatalf("bob is not a relayed participant of the room (%v)", ok)
	}
	alice.waitEvent("bob joined, without a track", isEvent(func(j ParticipantJoined) bool {
		return j.Participant.Identity == "bob" && j.Participant.Name == "Bob" && len(j.Participant.Tracks) == 0
	}))
	if room.LocalParticipants() != 1 {
		t.Errorf("%d local participants, want alice only", room.LocalParticipants())
	}

	// Declared again: an update, told once, only when something changed.
	for range 2 {
		if err := relay.p.DeclareRelayed(RelayedOwner{Identity: "bob", Name: "Bob B.", Metadata: `{"hand":true}`}); err != nil {
			t.Fatal(err)
		}
	}
	alice.waitEvent("bob's new name", isEvent(func(u ParticipantUpdated) bool {
		return u.Participant.SID == bob.SID() && u.Participant.Name == "Bob B." && u.Participant.Metadata == `{"hand":true}`
	}))

	// Bob's track, muted by the relay: alice hears of it and its media stop.
	mic := relay.publishWith("bob-mic", vocab.KindAudio, forOwner(relay, "bob"))
	relay.negotiatePublisher(false)
	alice.waitPackets(bob.SID(), 1, 20)
	if err := relay.p.SetTrackMuted(mic.SID, true); err != nil {
		t.Fatal(err)
	}
	alice.waitEvent("bob's mic muted", isEvent(func(m TrackMuted) bool {
		return m.ParticipantSID == bob.SID() && m.TrackSID == mic.SID && m.Muted
	}))
	time.Sleep(200 * time.Millisecond) // the packets already on their way
	before := alice.packetsFrom(bob.SID())
	time.Sleep(300 * time.Millisecond)
	if after := alice.packetsFrom(bob.SID()); after != before {
		t.Errorf("bob's muted mic still forwarded: %d -> %d packets", before, after)
	}
	if err := relay.p.SetTrackMuted(mic.SID, false); err != nil {
		t.Fatal(err)
	}
	alice.waitEvent("bob's mic unmuted", isEvent(func(m TrackMuted) bool { return m.TrackSID == mic.SID && !m.Muted }))
	alice.waitPackets(bob.SID(), 1, before+10)
	if err := relay.p.SetTrackMuted("TR_nope", true); !errors.Is(err, ErrTrackNotFound) {
		t.Errorf("a relay muting an unknown track: %v, want ErrTrackNotFound", err)
	}

	// A declared participant stays without tracks.
	if err := relay.p.Unpublish(mic.SID); err != nil {
		t.Fatal(err)
	}
	alice.waitEvent("bob's mic gone", isEvent(func(u TrackUnpublished) bool { return u.TrackSID == mic.SID }))
	if _, ok := room.Participant("bob"); !ok {
		t.Fatal("bob, declared, left with his last track")
	}

	// Refusals.
	if err := alice.p.DeclareRelayed(RelayedOwner{Identity: "eve"}); !errors.Is(err, ErrPermissionDenied) {
		t.Errorf("a standard participant declaring another: %v, want ErrPermissionDenied", err)
	}
	if err := alice.p.RemoveRelayed("bob", ""); !errors.Is(err, ErrPermissionDenied) {
		t.Errorf("a standard participant removing a relayed one: %v, want ErrPermissionDenied", err)
	}
	if err := relay.p.DeclareRelayed(RelayedOwner{Identity: "alice"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a relay declaring a local participant's identity: %v, want ErrInvalidArgument", err)
	}
	if err := relay.p.DeclareRelayed(RelayedOwner{Identity: relay.name}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a relay declaring itself: %v, want ErrInvalidArgument", err)
	}
	if err := relay.p.DeclareRelayed(RelayedOwner{}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a relay declaring an empty identity: %v, want ErrInvalidArgument", err)
	}
	for _, k := range []vocab.ParticipantKind{vocab.ParticipantRelay, "robot"} {
		if err := relay.p.DeclareRelayed(RelayedOwner{Identity: "zed", Kind: k}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("a relay declaring a participant of kind %q: %v, want ErrInvalidArgument", k, err)
		}
	}
	if err := relay.p.RemoveRelayed("alice", ""); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a relay removing a participant it does not relay: %v, want ErrInvalidArgument", err)
	}

	if err := relay.p.RemoveRelayed("bob", ""); err != nil {
		t.Fatal(err)
	}
	alice.waitEvent("bob left, for the reason he left his node", isEvent(func(l ParticipantLeft) bool {
		return l.Participant.Identity == "bob" && l.Reason == vocab.ReasonClientLeft
	}))
	if _, ok := room.Participant("bob"); ok {
		t.Error("bob is still in the room")
	}
	if err := relay.p.RemoveRelayed("bob", ""); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("removing bob twice: %v, want ErrInvalidArgument", err)
	}
	if n := countEvents[ParticipantUpdated](alice.log); n != 1 {
		t.Errorf("alice was told %d updates of bob, want 1", n)
	}

	// Nothing the relay put in the room came back to it.
	for _, ev := range relay.log.all() {
		switch ev := ev.(type) {
		case ParticipantJoined, ParticipantUpdated, ParticipantLeft, TrackMuted:
			t.Errorf("the relay was told of its own participant: %#v", ev)
		case TrackPublished:
			if ev.ParticipantSID == bob.SID() {
				t.Errorf("the relay was told of its own participant's track: %#v", ev)
			}
		}
	}
}

// A relayed participant keeps its kind: a SIP caller on another node is a SIP
// caller here too (the app shows it as a phone or a room system).
func TestRelayedParticipantKeepsItsKind(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("relayed-kind")
	alice := joinClient(t, room, "alice")
	relay := joinClient(t, room, "relay-node-2", func(p *JoinParams) { p.Kind = vocab.ParticipantRelay })
	if err := relay.p.DeclareRelayed(RelayedOwner{Identity: "salle-zola", Name: "Salle Zola", Kind: vocab.ParticipantSIP}); err != nil {
		t.Fatal(err)
	}
	alice.waitEvent("the room system joined as a SIP participant", isEvent(func(j ParticipantJoined) bool {
		return j.Participant.Identity == "salle-zola" && j.Participant.Kind == vocab.ParticipantSIP
	}))
	if err := relay.p.DeclareRelayed(RelayedOwner{Identity: "bob"}); err != nil {
		t.Fatal(err)
	}
	alice.waitEvent("bob joined as a standard participant", isEvent(func(j ParticipantJoined) bool {
		return j.Participant.Identity == "bob" && j.Participant.Kind == vocab.ParticipantStandard
	}))
}

// A relayed participant leaves for the reason it left its own node: removed
// there by a room admin, it is removed here too, not a plain leave.
func TestRelayedParticipantLeavesForItsReason(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("relayed-reason")
	alice := joinClient(t, room, "alice")
	relay := joinClient(t, room, "relay-node-2", func(p *JoinParams) { p.Kind = vocab.ParticipantRelay })
	if err := relay.p.DeclareRelayed(RelayedOwner{Identity: "bob"}); err != nil {
		t.Fatal(err)
	}
	if err := relay.p.RemoveRelayed("bob", vocab.ReasonRemoved); err != nil {
		t.Fatal(err)
	}
	alice.waitEvent("bob removed", isEvent(func(l ParticipantLeft) bool {
		return l.Participant.Identity == "bob" && l.Reason == vocab.ReasonRemoved
	}))
}
