package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// When the room moves (the server closes every session with room_moved, as a
// draining node of a cluster does), each client rejoins and sees the other come
// back as ParticipantMoved, with no ParticipantLeft or ParticipantJoined; a real
// leave afterwards is a ParticipantLeft as ever.
func TestRoomMoveShowsTheOthersMovedNotLeftAndJoined(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := servertest.Start(t)
	alice, err := client.Join(ctx, srv.URL, srv.Token("move", "alice"))
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close()
	bob, err := client.Join(ctx, srv.URL, srv.Token("move", "bob"))
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	waitEvent(t, alice, "Bob joined", func(e client.ParticipantJoined) bool { return e.Participant.Identity == "bob" })
	oldSID := map[*client.Client]string{alice: alice.Self().SID, bob: bob.Self().SID}

	srv.Signalling.Evacuate()
	for c, other := range map[*client.Client]*client.Client{alice: bob, bob: alice} {
		name := other.Self().Identity
		var moved client.ParticipantMoved
		waitEvent(t, c, name+" moved", func(ev client.Event) bool {
			switch e := ev.(type) {
			case client.ParticipantMoved:
				moved = e
				return e.Participant.Identity == name
			case client.ParticipantLeft:
				if e.Participant.Identity == name {
					t.Errorf("%s was told %s left during the move", c.Self().Identity, name)
				}
			case client.ParticipantJoined:
				if e.Participant.Identity == name {
					t.Errorf("%s was told %s joined during the move", c.Self().Identity, name)
				}
			}
			return false
		})
		if moved.OldSID != oldSID[other] || moved.Participant.SID == oldSID[other] {
			t.Errorf("%s moved from %s to %s, want from %s to a new SID", name, moved.OldSID, moved.Participant.SID, oldSID[other])
		}
	}
	for c, other := range map[*client.Client]*client.Client{alice: bob, bob: alice} {
		if others := c.Others(); len(others) != 1 || others[0].SID != other.Self().SID {
			t.Errorf("%s sees %+v after the move, want %s under %s", c.Self().Identity, others, other.Self().Identity, other.Self().SID)
		}
	}

	if err := bob.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, alice, "Bob left", func(e client.ParticipantLeft) bool { return e.Participant.Identity == "bob" })
}
