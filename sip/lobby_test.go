package sip_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/lobby"
	"github.com/ensemble-sfu/ensemble/signalling/server"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/sip"
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

// newLobbyEnv is newEnv (tuned by tune) with room's lobby on, a room admin
// "host" watching it, and a minute for the test.
func newLobbyEnv(t *testing.T, room string, tune func(*sip.Config)) (*env, context.Context, *roomWatch) {
	t.Helper()
	e := newEnv(t, tune, withLobbyRoom(t, room))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return e, ctx, e.watchRoom(t, ctx, room, "host", "join", "subscribe", "room_admin")
}

// A caller of a meeting whose room has its lobby on waits there like a
// guest: the call is answered, the host hears the knock with the caller's
// name, and admitted the caller joins the room; a second caller the host
// refuses is hung up (BYE) by the bridge.
func TestBaresipCallerWaitsInTheLobby(t *testing.T) {
	room := "lobby-room"
	e, ctx, host := newLobbyEnv(t, room, func(c *sip.Config) { c.Meetings = pinMeetings{room} })
	wav := sineWAV(t, 440, 6000)
	target := fmt.Sprintf("sip:12@127.0.0.1:%d", e.bridge.Addr().Port())

	ua := startBaresip(t, wav, "PCMU/8000/1", "Waiting Phone", target)
	g := host.knock(t, ctx)
	if g.Name != "Waiting Phone" {
		t.Fatalf("knock from %q", g.Name)
	}
	waitFor(t, ctx, "the waiting call to be answered", func() bool { return e.bridge.Answered() == 1 })
	select {
	case p := <-host.joined:
		t.Fatalf("%s joined the room before the host admitted it", p.Name)
	default:
	}
	if err := host.AdmitGuest(ctx, g.Identity); err != nil {
		t.Fatal(err)
	}
	if p := host.joinedSIP(t, ctx, "the admitted caller"); p.Identity != g.Identity {
		t.Fatalf("%s joined, %s was admitted", p.Identity, g.Identity)
	}
	ua.stop(ctx)
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })

	refused := startBaresip(t, wav, "PCMU/8000/1", "Unwelcome", target)
	g = host.knock(t, ctx)
	waitFor(t, ctx, "the second call to be answered", func() bool { return e.bridge.Answered() == 1 })
	if err := host.RefuseGuest(ctx, g.Identity); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the refused call to be hung up", func() bool { return e.bridge.Calls() == 0 })
	waitFor(t, ctx, "baresip to hear the BYE", func() bool { return strings.Contains(refused.out.String(), "session closed: Connection reset by peer") })
}

// A caller of the gateway number who types the number of a meeting whose
// room has its lobby on waits there too, hearing the waiting tone; refused,
// it is hung up (BYE), not asked for another number.
func TestGatewayCallerRefusedInTheLobby(t *testing.T) {
	room := "lobby-room"
	e, ctx, host := newLobbyEnv(t, room, func(c *sip.Config) { c.GatewayNumber = "100"; c.Meetings = pinMeetings{room} })
	wav := filepath.Join(t.TempDir(), "keys.wav")
	if err := writeWAV(wav, 8000, append(dtmfPCM("12#", 8000, 1.5), make([]int16, 8000*30)...)); err != nil {
		t.Fatal(err)
	}
	relay := startSDPStripper(t, net.UDPAddrFromAddrPort(e.bridge.Addr()))
	ua := startBaresip(t, wav, "PCMU/8000/1", "Gateway Caller", fmt.Sprintf("sip:100@127.0.0.1:%d", relay.port()))
	g := host.knock(t, ctx)
	// The prompt stopped at the first key, before the knock: from half a
	// second after it (baresip's buffers), the caller hears the waiting tone.
	heard, _ := ua.heardSoFar()
	ua.hearsWaitingTone(t, ctx, len(heard)+8000/2)
	if err := host.RefuseGuest(ctx, g.Identity); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the refused call to be hung up", func() bool { return e.bridge.Calls() == 0 })
	waitFor(t, ctx, "baresip to hear the BYE", func() bool { return strings.Contains(ua.out.String(), "session closed: Connection reset by peer") })
}
