package sfu

import (
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// A room with an empty timeout outlives its last participant for that long: someone
// rejoining in time finds the same room; otherwise it closes.
func TestRoomEmptyTimeout(t *testing.T) {
	e := newTestEngine(t)
	room, err := e.GetOrCreateRoom("kept")
	if err != nil {
		t.Fatal(err)
	}
	room.SetEmptyTimeout(300 * time.Millisecond)
	sid := room.Info().SID

	joinClient(t, room, "alice").close()
	time.Sleep(100 * time.Millisecond)
	again, ok := e.Room("kept")
	if !ok || again.Info().SID != sid {
		t.Fatal("the room closed before its empty timeout")
	}
	// Rejoining cancels the countdown; leaving again starts a new one.
	joinClient(t, room, "bob").close()
	select {
	case <-room.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the empty room did not close after its timeout")
	}
	if _, ok := e.Room("kept"); ok {
		t.Fatal("the closed room is still in the engine")
	}
}

// Without an empty timeout a room closes as soon as its last participant leaves.
func TestRoomClosesAtOnceByDefault(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("gone")
	joinClient(t, room, "alice").close()
	select {
	case <-room.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the empty room did not close")
	}
}

// A recorder only listens: when the last other participant leaves, the room
// closes with the recorder in it (its recording ends), and the recorder gets
// the close.
func TestRoomWithOnlyARecorderCloses(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("recorded")
	alice := joinClient(t, room, "alice")
	rec, recSink, err := join(t, room, "rec", vocab.ParticipantRecorder, vocab.Permissions{CanSubscribe: true})
	if err != nil {
		t.Fatal(err)
	}
	alice.close()
	select {
	case <-room.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the room with only a recorder in it did not close")
	}
	recSink.waitFor(t, "the recorder is closed with the room", func(ev Event) bool {
		_, ok := ev.(Closed)
		return ok
	})
	_ = rec
}
