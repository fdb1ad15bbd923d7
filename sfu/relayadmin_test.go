package sfu

import (
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// An administrator's actions on a relayed participant go to its relay, whose
// node acts on the participant itself: removed, it stays until its relay
// removes it; muted or renamed, the change is made here too; its permissions
// are its node's. On a participant of this node they are done here, and it
// is told of its own mute and new name.
func TestAdminActionsOnARelayedParticipantGoToItsRelay(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("relayed-admin")
	alice := joinClient(t, room, "alice")
	relay := joinClient(t, room, "relay-node-2", func(p *JoinParams) { p.Kind = vocab.ParticipantRelay })
	if err := relay.p.DeclareRelayed(RelayedOwner{Identity: "bob", Name: "Bob"}); err != nil {
		t.Fatal(err)
	}
	bob, _ := room.Participant("bob")
	mic := relay.publishWith("bob-mic", vocab.KindAudio, forOwner(relay, "bob"))

	bob.Remove()
	relay.waitEvent("bob's removal", isEvent(func(a RelayedAdmin) bool {
		return a.Identity == "bob" && a.Action == vocab.RelayedRemove
	}))
	if _, ok := room.Participant("bob"); !ok {
		t.Fatal("bob left before his relay removed him")
	}

	if err := bob.MuteTrack(mic.SID, true); err != nil {
		t.Fatal(err)
	}
	relay.waitEvent("bob's mic muted", isEvent(func(a RelayedAdmin) bool {
		return a.Action == vocab.RelayedMute && a.TrackSID == mic.SID && a.Muted
	}))

	name := "Bob B."
	if err := bob.SetInfo(&name, nil); err != nil {
		t.Fatal(err)
	}
	relay.waitEvent("bob renamed", isEvent(func(a RelayedAdmin) bool {
		return a.Action == vocab.RelayedUpdate && a.Name != nil && *a.Name == name && a.Metadata == nil
	}))
	alice.waitEvent("bob renamed", isEvent(func(u ParticipantUpdated) bool { return u.Participant.Name == name }))

	no := false
	bob.ChangePermissions(vocab.PermissionsChange{CanPublish: &no})
	relay.waitEvent("bob's permissions", isEvent(func(a RelayedAdmin) bool {
		return a.Action == vocab.RelayedUpdate && a.Permissions != nil && a.Permissions.CanPublish != nil && !*a.Permissions.CanPublish
	}))
	if !bob.Permissions().CanPublish {
		t.Error("bob's permissions here changed: they are his node's")
	}

	// alice, of this node: told of her own mute and new name, removed here.
	track := alice.publish("alice-mic", vocab.KindAudio)
	if err := alice.p.MuteTrack(track.SID, true); err != nil {
		t.Fatal(err)
	}
	alice.waitEvent("her own mic muted", isEvent(func(m TrackMuted) bool {
		return m.ParticipantSID == alice.p.SID() && m.TrackSID == track.SID && m.Muted
	}))
	renamed := "Alice A."
	if err := alice.p.SetInfo(&renamed, nil); err != nil {
		t.Fatal(err)
	}
	alice.waitEvent("her own new name", isEvent(func(u ParticipantUpdated) bool {
		return u.Participant.SID == alice.p.SID() && u.Participant.Name == renamed
	}))
	alice.p.Remove()
	select {
	case <-alice.p.Done():
	case <-time.After(testTimeout):
		t.Fatal("alice, removed, did not leave")
	}
	alice.waitEvent("her close", isEvent(func(c Closed) bool { return c.Reason == vocab.ReasonRemoved }))
	for _, ev := range relay.log.all() {
		if a, ok := ev.(RelayedAdmin); ok && a.Identity == "alice" {
			t.Errorf("the relay was told of an action on alice, of this node: %+v", a)
		}
	}
}
