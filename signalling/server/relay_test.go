package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// relay_participant over the wire: a relay (kind relay, room_admin) declares,
// updates and removes a participant of its node, the others see it; anyone
// else is refused with permission_denied, whatever its grants.
func TestRelayParticipantOverTheWire(t *testing.T) {
	srv := servertest.Start(t)
	alice := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	relay := connect(t, srv.RTCURL(srv.TokenWith(auth.TokenParams{
		Identity: "relay-node-2", Room: "r", Kind: vocab.ParticipantRelay, TTL: time.Hour,
		Grants: auth.Grants{Join: true, Publish: true, Subscribe: true, PublishData: true, RoomAdmin: true},
	})), protocol.TypeJoin)

	relay.send(protocol.TypeRelayParticipant, 1, protocol.RelayParticipantRequest{Identity: "bob", Name: "Bob"})
	if m := relay.waitFor(protocol.TypeAck); m.ReqID != 1 {
		t.Fatalf("ack for req %d, want 1", m.ReqID)
	}
	j := alice.waitFor(protocol.TypeParticipantJoined).Body.(protocol.ParticipantEvent)
	if j.Participant.Identity != "bob" || j.Participant.Name != "Bob" {
		t.Errorf("alice was told %+v joined, want bob (Bob)", j.Participant)
	}
	relay.send(protocol.TypeRelayParticipant, 2, protocol.RelayParticipantRequest{Identity: "bob", Name: "Bob", Metadata: "m"})
	relay.waitFor(protocol.TypeAck)
	if u := alice.waitFor(protocol.TypeParticipantUpdated).Body.(protocol.ParticipantEvent); u.Participant.Metadata != "m" {
		t.Errorf("bob's update carries metadata %q, want m", u.Participant.Metadata)
	}
	relay.send(protocol.TypeRelayParticipant, 3, protocol.RelayParticipantRequest{Identity: "bob", Left: true})
	relay.waitFor(protocol.TypeAck)
	if l := alice.waitFor(protocol.TypeParticipantLeft).Body.(protocol.ParticipantLeftEvent); l.Participant.Identity != "bob" {
		t.Errorf("alice was told %q left, want bob", l.Participant.Identity)
	}
	relay.send(protocol.TypeRelayParticipant, 4, protocol.RelayParticipantRequest{Identity: "bob", Left: true})
	if e := relay.waitFor(protocol.TypeError); e.ReqID != 4 || e.Body.(protocol.ErrorMessage).Code != protocol.CodeInvalidArgument {
		t.Errorf("removing bob twice: %+v, want invalid_argument", e)
	}

	for _, who := range []struct{ name, token string }{
		{"a participant", srv.Token("r", "carl")},
		{"a room admin", srv.Token("r", "dora", "join", "room_admin")},
	} {
		c := connect(t, srv.RTCURL(who.token), protocol.TypeJoin)
		c.send(protocol.TypeRelayParticipant, 9, protocol.RelayParticipantRequest{Identity: "eve"})
		e := c.waitFor(protocol.TypeError)
		if msg := e.Body.(protocol.ErrorMessage); e.ReqID != 9 || msg.Code != protocol.CodePermissionDenied || !strings.Contains(msg.Message, "relay") {
			t.Errorf("relay_participant by %s: %+v, want permission_denied naming the relay", who.name, e)
		}
	}
}

// relay_participant with joined over the wire: a new session declared by a
// relay replaces a participant of its identity here (its client is closed
// with duplicate_identity) or another relay's (that relay gets relayed_admin
// replaced, before the newer session's join); the replaced session's leave,
// when its relay sends it, is acknowledged.
func TestRelayedNewSessionReplacesOverTheWire(t *testing.T) {
	srv := servertest.Start(t)
	relayToken := func(node string) string {
		return srv.TokenWith(auth.TokenParams{
			Identity: "relay-" + node, Room: "r", Kind: vocab.ParticipantRelay, TTL: time.Hour,
			Grants: auth.Grants{Join: true, Publish: true, Subscribe: true, PublishData: true, RoomAdmin: true},
		})
	}
	alice := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	xena := connect(t, srv.RTCURL(srv.Token("r", "xena")), protocol.TypeJoin)
	alice.waitFor(protocol.TypeParticipantJoined)
	relayB := connect(t, srv.RTCURL(relayToken("node-2")), protocol.TypeJoin)
	relayC := connect(t, srv.RTCURL(relayToken("node-3")), protocol.TypeJoin)

	relayB.send(protocol.TypeRelayParticipant, 1, protocol.RelayParticipantRequest{Identity: "xena", Name: "Xena"})
	if e := relayB.waitFor(protocol.TypeError); e.ReqID != 1 || e.Body.(protocol.ErrorMessage).Code != protocol.CodeInvalidArgument {
		t.Errorf("declaring xena, here already, without joined: %+v, want invalid_argument", e)
	}
	relayB.send(protocol.TypeRelayParticipant, 2, protocol.RelayParticipantRequest{Identity: "xena", Name: "Xena", Joined: true})
	relayB.waitFor(protocol.TypeParticipantLeft) // xena of this node; not its own copy's join
	relayB.waitFor(protocol.TypeAck)
	relayC.waitFor(protocol.TypeParticipantLeft)
	relayC.waitFor(protocol.TypeParticipantJoined)
	if c := xena.waitFor(protocol.TypeClose).Body.(protocol.CloseEvent); c.Reason != vocab.ReasonDuplicateIdentity {
		t.Errorf("xena of this node was closed with %q, want duplicate_identity", c.Reason)
	}
	if l := alice.waitFor(protocol.TypeParticipantLeft).Body.(protocol.ParticipantLeftEvent); l.Participant.Identity != "xena" || l.Reason != vocab.ReasonDuplicateIdentity {
		t.Errorf("alice was told %q left for %q, want xena for duplicate_identity", l.Participant.Identity, l.Reason)
	}
	alice.waitFor(protocol.TypeParticipantJoined)

	relayC.send(protocol.TypeRelayParticipant, 3, protocol.RelayParticipantRequest{Identity: "xena", Name: "Xena", Joined: true})
	relayC.waitFor(protocol.TypeParticipantLeft) // xena of node 2; not its own copy's join
	relayC.waitFor(protocol.TypeAck)
	a := relayB.waitFor(protocol.TypeRelayedAdmin).Body.(protocol.RelayedAdminEvent)
	if a.Identity != "xena" || a.Action != vocab.RelayedReplaced {
		t.Errorf("node 2's relay was told %+v, want xena replaced", a)
	}
	if j := relayB.waitFor(protocol.TypeParticipantJoined).Body.(protocol.ParticipantEvent); j.Participant.Identity != "xena" {
		t.Errorf("node 2's relay was told %q joined, want xena of node 3", j.Participant.Identity)
	}
	if l := alice.waitFor(protocol.TypeParticipantLeft).Body.(protocol.ParticipantLeftEvent); l.Reason != vocab.ReasonDuplicateIdentity {
		t.Errorf("alice saw xena of node 2 leave for %q, want duplicate_identity", l.Reason)
	}
	relayB.send(protocol.TypeRelayParticipant, 4, protocol.RelayParticipantRequest{Identity: "xena", Left: true, Reason: vocab.ReasonDuplicateIdentity})
	if m := relayB.waitFor(protocol.TypeAck); m.ReqID != 4 {
		t.Errorf("the replaced session's leave: ack for req %d, want 4", m.ReqID)
	}
}
