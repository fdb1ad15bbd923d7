package sfu

import (
	"testing"
	"time"
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
