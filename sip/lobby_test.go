package sip_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/lobby"
	"github.com/ensemble-sfu/ensemble/signalling/server"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/sip"
	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// withLobbyRoom makes the server keep room with its lobby on.
func withLobbyRoom(t *testing.T, room string) func(store.Store) servertest.Option {
	return func(st store.Store) servertest.Option {
		if err := st.PutRoom(context.Background(), store.Room{Name: room, SID: "RM_" + room, Lobby: true, GuestPolicy: store.GuestAllow}); err != nil {
			t.Fatal(err)
		}
		lob := lobby.New(lobby.Config{})
		t.Cleanup(lob.Close)
		return servertest.WithServerConfig(func(c *server.Config) { c.Store, c.Lobby = st, lob })
	}
}

// A caller of a meeting whose room has its lobby on waits there like a
// guest: the call is answered, the host hears the knock with the caller's
// name, and admitted the caller joins the room; a second caller the host
// refuses is hung up (BYE) by the bridge.
func TestBaresipCallerWaitsInTheLobby(t *testing.T) {
	room := "lobby-room"
	e := newEnv(t, func(c *sip.Config) { c.Meetings = pinMeetings{room} }, withLobbyRoom(t, room))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	host, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, "host", "join", "subscribe", "room_admin"))
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	knocks := make(chan client.LobbyGuest, 4)
	joined := make(chan vocab.ParticipantInfo, 4)
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
	knock := func() client.LobbyGuest {
		t.Helper()
		select {
		case g := <-knocks:
			return g
		case <-ctx.Done():
			t.Fatal("no caller knocked at the lobby")
			return client.LobbyGuest{}
		}
	}
	wav := filepath.Join(t.TempDir(), "tone.wav")
	if err := writeWAV(wav, 8000, (&tone.Sine{Freq: 440, Rate: 8000, Amplitude: 6000}).Next(8000*30)); err != nil {
		t.Fatal(err)
	}
	target := fmt.Sprintf("sip:12@127.0.0.1:%d", e.bridge.Addr().Port())

	ua := startBaresip(t, wav, "PCMU/8000/1", "Waiting Phone", target)
	g := knock()
	if g.Name != "Waiting Phone" {
		t.Fatalf("knock from %q", g.Name)
	}
	waitFor(t, ctx, "the waiting call to be answered", func() bool { return e.bridge.Answered() == 1 })
	select {
	case p := <-joined:
		t.Fatalf("%s joined the room before the host admitted it", p.Name)
	default:
	}
	if err := host.AdmitGuest(ctx, g.Identity); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-joined:
		if p.Identity != g.Identity {
			t.Fatalf("%s joined, %s was admitted", p.Identity, g.Identity)
		}
	case <-ctx.Done():
		t.Fatal("the admitted caller never joined the room")
	}
	ua.stop(ctx)
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })

	refused := startBaresip(t, wav, "PCMU/8000/1", "Unwelcome", target)
	g = knock()
	waitFor(t, ctx, "the second call to be answered", func() bool { return e.bridge.Answered() == 1 })
	if err := host.RefuseGuest(ctx, g.Identity); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the refused call to be hung up", func() bool { return e.bridge.Calls() == 0 })
	waitFor(t, ctx, "baresip to hear the BYE", func() bool { return strings.Contains(refused.out.String(), "session closed: Connection reset by peer") })
}

// A caller of the gateway number who types the number of a meeting whose
// room has its lobby on waits there too; refused, it is hung up (BYE), not
// asked for another number.
func TestGatewayCallerRefusedInTheLobby(t *testing.T) {
	room := "lobby-room"
	e := newEnv(t, func(c *sip.Config) { c.GatewayNumber = "100"; c.Meetings = pinMeetings{room} }, withLobbyRoom(t, room))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	host, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, "host", "join", "subscribe", "room_admin"))
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	knocks := make(chan client.LobbyGuest, 1)
	go func() {
		for ev := range host.Events() {
			if k, ok := ev.(client.LobbyKnock); ok {
				knocks <- k.Guest
			}
		}
	}()
	wav := filepath.Join(t.TempDir(), "keys.wav")
	if err := writeWAV(wav, 8000, append(dtmfPCM("12#", 8000, 1.5), make([]int16, 8000*30)...)); err != nil {
		t.Fatal(err)
	}
	relay := startSDPStripper(t, net.UDPAddrFromAddrPort(e.bridge.Addr()))
	ua := startBaresip(t, wav, "PCMU/8000/1", "Gateway Caller", fmt.Sprintf("sip:100@127.0.0.1:%d", relay.port()))
	var g client.LobbyGuest
	select {
	case g = <-knocks:
	case <-ctx.Done():
		t.Fatal("the gateway caller never knocked at the lobby")
	}
	if err := host.RefuseGuest(ctx, g.Identity); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the refused call to be hung up", func() bool { return e.bridge.Calls() == 0 })
	waitFor(t, ctx, "baresip to hear the BYE", func() bool { return strings.Contains(ua.out.String(), "session closed: Connection reset by peer") })
}
