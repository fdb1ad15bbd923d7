package webhook_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
	"github.com/ensemble-sfu/ensemble/signalling/webhook/sfuhooks"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// The hooks of a real sfu engine, with a receiver down for the first attempts: the
// room's lifecycle arrives complete and in order.
func TestEngineHooksReachTheReceiverInOrder(t *testing.T) {
	rcv := newReceiver(t, 4)
	n, err := webhook.New(t.Context(), fastConfig(rcv.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	engine, err := sfu.NewEngine(context.Background(), sfu.Config{BindIP: "127.0.0.1", TCPPort: -1,
		Hooks: sfuhooks.Of(n), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	room, err := engine.GetOrCreateRoom("standup")
	if err != nil {
		t.Fatal(err)
	}
	sink := sfu.EventSinkFunc(func(sfu.Event) {})
	alice, err := room.Join(sfu.JoinParams{Identity: "alice", Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := room.Join(sfu.JoinParams{Identity: "bob", Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	alice.Close(vocab.ReasonClientLeft)
	bob.Close(vocab.ReasonRemoved)
	<-room.Done()
	drain(t, n)

	var got []string
	for _, ev := range rcv.got() {
		s := string(ev.Type)
		if ev.Participant != nil {
			s += ":" + ev.Participant.Identity
		}
		if ev.Reason != "" {
			s += ":" + ev.Reason
		}
		if ev.Room == nil || ev.Room.Name != "standup" {
			t.Errorf("%s without its room: %+v", s, ev.Room)
		}
		got = append(got, s)
	}
	want := []string{"room_started", "participant_joined:alice", "participant_joined:bob",
		"participant_left:alice:client_left", "participant_left:bob:removed", "room_finished"}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
}
