package lobbye2e

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// The room record's max_participants caps the live room: a joiner over the cap is
// refused before the upgrade (HTTP 403 room_full), and so is a guest admitted from
// the lobby after the room filled up meanwhile (error room_full instead of join).
// Hidden participants (a recorder) neither count nor are refused.
func TestRoomRecordCapsParticipants(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	e := start(t)
	const room = "small"
	e.createRoom(t, ctx, apiwire.CreateRoomRequest{Name: room, MaxParticipants: 2, Lobby: true, GuestPolicy: store.GuestAllow})
	adminToken := func(identity string) string {
		g := auth.DefaultParticipantGrants()
		g.RoomAdmin = true
		return e.srv.TokenWith(auth.TokenParams{Identity: identity, Room: room, Grants: g, TTL: time.Hour})
	}
	host := join(t, ctx, e, adminToken("host"))

	// A guest knocks while there is room, then the room fills before the admission.
	alice := e.guestToken(t, ctx, room, "Alice")
	k := startKnock(t, ctx, e, alice.Token)
	k.waitInLobby(t, ctx)
	next(t, ctx, host, func(ev client.LobbyKnock) bool { return ev.Guest.Identity == alice.Identity })
	cohost := join(t, ctx, e, adminToken("cohost"))
	if err := host.AdmitGuest(ctx, alice.Identity); err != nil {
		t.Fatal(err)
	}
	if r := k.outcome(t, ctx); client.ErrorCode(r.err) != "room_full" {
		t.Errorf("guest admitted into a full room: Join = %v, want room_full", r.err)
	}

	// A joiner over the cap is refused at once, with the HTTP status.
	bob := e.guestToken(t, ctx, room, "Bob")
	_, err := client.Join(ctx, e.srv.URL, bob.Token, client.WithLogger(testLogger()))
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != "room_full" || ce.HTTPStatus != 403 {
		t.Errorf("join of a full room = %v, want HTTP 403 room_full", err)
	}
	// A recorder still gets in.
	join(t, ctx, e, e.srv.Token(room, "recorder", "join", "subscribe", "hidden"))

	// Once someone leaves, the next guest gets in.
	if err := cohost.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "cohost gone", func() bool { _, ok := host.Other("cohost"); return !ok })
	carol := e.guestToken(t, ctx, room, "Carol")
	k3 := startKnock(t, ctx, e, carol.Token)
	k3.waitInLobby(t, ctx)
	if err := host.AdmitGuest(ctx, carol.Identity); err != nil {
		t.Fatal(err)
	}
	if r := k3.outcome(t, ctx); r.err != nil {
		t.Errorf("guest admitted after a seat freed: %v", r.err)
	}
}
