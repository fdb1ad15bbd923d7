package sip_test

import (
	"testing"

	"github.com/ensemble-sfu/ensemble/sip"
)

// A call the bridge places into a room whose lobby is on joins the room
// directly: a room admin chose whom to call, so the phone (a baresip that
// answers by itself) is in the room without knocking or being admitted.
func TestDialOutSkipsTheLobby(t *testing.T) {
	room := "lobby-room"
	e, ctx, host := newLobbyEnv(t, room, nil)
	_, d := e.dialBaresip(t, room)
	select {
	case p := <-host.joined:
		if p.Name != "Salle B" {
			t.Fatalf("%q joined, want Salle B", p.Name)
		}
	case g := <-host.knocks:
		t.Fatalf("the called phone knocked at the lobby: %+v", g)
	case <-ctx.Done():
		t.Fatal("the called phone never joined the room")
	}
	e.waitDialed(t, ctx, d, sip.DialAnswered)
	select {
	case g := <-host.knocks:
		t.Fatalf("a knock at the lobby: %+v", g)
	default:
	}
	if err := e.bridge.HangUp(room, d.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
}
