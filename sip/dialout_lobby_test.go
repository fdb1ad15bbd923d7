package sip_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/sip"
	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// A call the bridge places into a room whose lobby is on joins the room
// directly: a room admin chose whom to call, so the phone (a baresip that
// answers by itself) is in the room without knocking or being admitted.
func TestDialOutSkipsTheLobby(t *testing.T) {
	room := "lobby-room"
	e := newEnv(t, nil, withLobbyRoom(t, room))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	host, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, "host", "join", "subscribe", "room_admin"))
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	knocks := make(chan client.LobbyGuest, 1)
	joined := make(chan vocab.ParticipantInfo, 1)
	go func() {
		for ev := range host.Events() {
			switch ev := ev.(type) {
			case client.LobbyKnock:
				knocks <- ev.Guest
			case client.ParticipantJoined:
				if ev.Participant.Kind == vocab.ParticipantSIP {
					joined <- ev.Participant
				}
			}
		}
	}()
	wav := filepath.Join(t.TempDir(), "tone.wav")
	if err := writeWAV(wav, 8000, (&tone.Sine{Freq: 1000, Rate: 8000, Amplitude: 8000}).Next(8000*30)); err != nil {
		t.Fatal(err)
	}
	ua := startBaresip(t, wav, "PCMU/8000/1", "Desk phone", "")
	d, err := e.bridge.Dial(room, fmt.Sprintf("sip:tester@127.0.0.1:%d", ua.port), "Salle B")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-joined:
		if p.Name != "Salle B" {
			t.Fatalf("%q joined, want Salle B", p.Name)
		}
	case g := <-knocks:
		t.Fatalf("the called phone knocked at the lobby: %+v", g)
	case <-ctx.Done():
		t.Fatal("the called phone never joined the room")
	}
	waitFor(t, ctx, "the call to be answered", func() bool {
		s, err := e.bridge.Dialed(room, d.ID)
		return err == nil && s.State == sip.DialAnswered
	})
	select {
	case g := <-knocks:
		t.Fatalf("a knock at the lobby: %+v", g)
	default:
	}
	if err := e.bridge.HangUp(room, d.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
}
