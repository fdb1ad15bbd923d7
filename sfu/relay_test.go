package sfu

import (
	"errors"
	"testing"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// forOwner adapts AddRelayedTrack to publishWith.
func forOwner(relay *testClient, identity string) func(string, TrackRequest) (vocab.TrackInfo, error) {
	return func(clientID string, req TrackRequest) (vocab.TrackInfo, error) {
		return relay.p.AddRelayedTrack(RelayedOwner{Identity: identity, Name: identity + " (remote)"}, clientID, req)
	}
}

// A relay publishes tracks on behalf of another node's participants: they
// appear as participants of their own (the relay never does), their media reach
// the others, the relay receives the others' tracks but never its own owners',
// and the owners leave with their last track or with the relay.
func TestRelayPublishesForItsOwners(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("relayed")
	alice := joinClient(t, room, "alice")
	relay := joinClient(t, room, "relay-node-2", func(p *JoinParams) { p.Kind = vocab.ParticipantRelay })

	bobMic := relay.publishWith("bob-mic", vocab.KindAudio, forOwner(relay, "bob"))
	relay.publishWith("cyd-mic", vocab.KindAudio, forOwner(relay, "cyd"))
	relay.negotiatePublisher(false)
	bob, ok := room.Participant("bob")
	if !ok || !bob.IsRelayed() {
		t.Fatalf("bob is not a relayed participant of the room (%v)", ok)
	}
	alice.waitEvent("bob joined", isEvent(func(j ParticipantJoined) bool {
		return j.Participant.Identity == "bob" && j.Participant.Name == "bob (remote)" && !j.Participant.Hidden
	}))
	alice.waitEvent("bob's track", isEvent(func(p TrackPublished) bool {
		return p.ParticipantSID == bob.SID() && p.Track.SID == bobMic.SID
	}))
	alice.waitPackets(bob.SID(), 1, 20)

	aliceMic := alice.publish("mic", vocab.KindAudio)
	alice.negotiatePublisher(false)
	relay.waitPackets(alice.p.SID(), 1, 20)
	relay.p.mu.Lock()
	_, gotOwn := relay.p.subs[bobMic.SID]
	_, gotAlice := relay.p.subs[aliceMic.SID]
	relay.p.mu.Unlock()
	if gotOwn || !gotAlice {
		t.Errorf("the relay subscribed to its own owner's track: %v, to alice's: %v", gotOwn, gotAlice)
	}
	if err := relay.p.Subscribe(bobMic.SID); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a relay subscribing to its own owner's track: %v, want ErrInvalidArgument", err)
	}
	if _, err := alice.p.AddRelayedTrack(RelayedOwner{Identity: "eve"}, "eve-mic", TrackRequest{Kind: vocab.KindAudio, Source: vocab.SourceMicrophone}); !errors.Is(err, ErrPermissionDenied) {
		t.Errorf("a standard participant publishing for another: %v, want ErrPermissionDenied", err)
	}
	if _, err := relay.p.AddRelayedTrack(RelayedOwner{Identity: "alice"}, "alice-mic", TrackRequest{Kind: vocab.KindAudio, Source: vocab.SourceMicrophone}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a relay publishing for a local participant's identity: %v, want ErrInvalidArgument", err)
	}
	shown := 0
	for _, p := range room.Participants() {
		if !p.Hidden {
			shown++
		}
		if p.Identity == relay.name && !p.Hidden {
			t.Error("the relay is shown")
		}
	}
	if shown != 3 || room.LocalParticipants() != 1 {
		t.Errorf("%d participants shown (want alice, bob, cyd), %d local (want alice)", shown, room.LocalParticipants())
	}

	// Data: the relay speaks for bob; a message to bob goes to the relay,
	// which is told its destination; a broadcast from bob skips the relay.
	if err := relay.p.SendRelayedData("bob", DataPacket{Topic: "from-bob"}); err != nil {
		t.Fatal(err)
	}
	alice.waitEvent("bob's message", isEvent(func(d DataReceived) bool {
		return d.Packet.Topic == "from-bob" && d.Packet.FromIdentity == "bob" && d.Packet.FromSID == bob.SID()
	}))
	if err := alice.p.SendData(DataPacket{Topic: "to-bob", DestinationIdentities: []string{"bob", "cyd"}}); err != nil {
		t.Fatal(err)
	}
	relay.waitEvent("alice's message to bob", isEvent(func(d DataReceived) bool {
		return d.Packet.Topic == "to-bob" && len(d.Packet.DestinationIdentities) == 2
	}))
	if err := alice.p.SendData(DataPacket{Topic: "to-all"}); err != nil {
		t.Fatal(err)
	}
	relay.waitEvent("alice's broadcast", isEvent(func(d DataReceived) bool { return d.Packet.Topic == "to-all" }))
	for _, ev := range relay.log.all() {
		if d, ok := ev.(DataReceived); ok && d.Packet.Topic == "from-bob" {
			t.Error("the relay got back the message it sent for bob")
		}
		if d, ok := ev.(DataReceived); ok && d.Packet.Topic == "to-bob" && d.Packet.FromIdentity != "alice" {
			t.Errorf("alice's message reached the relay from %q", d.Packet.FromIdentity)
		}
	}
	if n := countEvents[DataReceived](relay.log); n != 2 {
		t.Errorf("the relay got %d messages, want alice's two (to bob and cyd once, and to all)", n)
	}
	for _, ev := range alice.log.all() {
		if d, ok := ev.(DataReceived); ok && len(d.Packet.DestinationIdentities) > 0 {
			t.Error("a participant was told a message's destinations")
		}
	}

	// Bob's last track goes: bob leaves. The relay leaves: cyd goes with it.
	if err := relay.p.Unpublish(bobMic.SID); err != nil {
		t.Fatal(err)
	}
	alice.waitEvent("bob left", isEvent(func(l ParticipantLeft) bool { return l.Participant.Identity == "bob" }))
	relay.close()
	alice.waitEvent("cyd left with the relay", isEvent(func(l ParticipantLeft) bool { return l.Participant.Identity == "cyd" }))
	for _, ev := range alice.log.all() {
		switch ev := ev.(type) {
		case ParticipantJoined:
			if ev.Participant.Identity == relay.name {
				t.Error("alice was told the relay joined")
			}
		case ParticipantLeft:
			if ev.Participant.Identity == relay.name {
				t.Error("alice was told the relay left")
			}
		}
	}
}
