package lobbye2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// A room created through the API with its lobby on: guests who got a token from the
// guest-join route wait in the lobby; the room admin, already in the room and
// publishing, hears each knock and decides — over /rtc or through the HTTP API. An
// admitted guest joins and receives the admin's media; a refused one is told
// lobby_refused; one who gives up is reported as cancelled.
func TestGuestsWaitInTheLobbyUntilAdmitted(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	e := start(t)
	const room = "standup"
	const metadata = `{"topic":"daily"}`
	e.createRoom(t, ctx, apiwire.CreateRoomRequest{Name: room, Lobby: true, GuestPolicy: store.GuestAllow, Metadata: metadata})

	// The host has room_admin: no lobby for it, and it hears knocks.
	g := auth.DefaultParticipantGrants()
	g.RoomAdmin = true
	host := join(t, ctx, e, e.srv.TokenWith(auth.TokenParams{Identity: "host", Name: "Host", Room: room, Grants: g, TTL: time.Hour}))
	if got := host.Room().Metadata; got != metadata {
		t.Errorf("live room metadata = %q, want the record's %q", got, metadata)
	}
	video := publishVideo(t, ctx, host)

	// Guest 1, admitted over /rtc by the host's client.
	alice := e.guestToken(t, ctx, room, "Alice")
	k := startKnock(t, ctx, e, alice.Token)
	if w := k.waitInLobby(t, ctx); w.Identity != alice.Identity || w.Room != room || w.Name != "Alice" {
		t.Errorf("lobby_waiting = %+v, want %s in %s", w, alice.Identity, room)
	}
	knock := next(t, ctx, host, func(ev client.LobbyKnock) bool { return ev.Guest.Identity == alice.Identity })
	if knock.Guest.Name != "Alice" || knock.Guest.Since.IsZero() {
		t.Errorf("knock = %+v", knock.Guest)
	}
	if err := host.AdmitGuest(ctx, alice.Identity); err != nil {
		t.Fatalf("admit over /rtc: %v", err)
	}
	if left := next(t, ctx, host, func(ev client.LobbyLeft) bool { return ev.Guest.Identity == alice.Identity }); left.Reason != "admitted" {
		t.Errorf("lobby_left reason %q, want admitted", left.Reason)
	}
	r := k.outcome(t, ctx)
	if r.err != nil {
		t.Fatalf("admitted guest's Join: %v", r.err)
	}
	if _, ok := r.c.Other("host"); !ok {
		t.Error("the admitted guest's join does not list the host")
	}
	if r.c.Room().Metadata != metadata {
		t.Errorf("guest sees room metadata %q", r.c.Room().Metadata)
	}
	receiveRTP(t, ctx, r.c, video.SID(), 20)
	// (Events of the host's may come in either order: lobby_left and participant_joined
	// are sent by different parts of the server.)
	waitFor(t, ctx, "the host sees the admitted guest", func() bool { _, ok := host.Other(alice.Identity); return ok })

	// A guest may not decide; nobody waiting is a precise error.
	if err := r.c.AdmitGuest(ctx, "someone"); client.ErrorCode(err) != "permission_denied" {
		t.Errorf("a guest's lobby_admit = %v, want permission_denied", err)
	}
	if err := host.RefuseGuest(ctx, "nobody"); client.ErrorCode(err) != "guest_not_waiting" {
		t.Errorf("refusing nobody = %v, want guest_not_waiting", err)
	}

	// Guest 2, admitted through the HTTP API.
	bob := e.guestToken(t, ctx, room, "Bob")
	k2 := startKnock(t, ctx, e, bob.Token)
	k2.waitInLobby(t, ctx)
	next(t, ctx, host, func(ev client.LobbyKnock) bool { return ev.Guest.Identity == bob.Identity })
	adminToken := e.srv.Token(room, "ops", "room_admin")
	if list := e.lobbyList(t, ctx, room, adminToken); len(list.Guests) != 1 || list.Guests[0].Identity != bob.Identity {
		t.Errorf("GET lobby = %+v, want %s alone", list.Guests, bob.Identity)
	}
	if status := e.post(t, ctx, "/api/v1/rooms/"+room+"/lobby/"+bob.Identity+"/admit", adminToken, nil, nil); status != http.StatusNoContent {
		t.Fatalf("admit through the API: HTTP %d", status)
	}
	r2 := k2.outcome(t, ctx)
	if r2.err != nil {
		t.Fatalf("guest admitted through the API: Join: %v", r2.err)
	}
	receiveRTP(t, ctx, r2.c, video.SID(), 20)
	if status := e.post(t, ctx, "/api/v1/rooms/"+room+"/lobby/"+bob.Identity+"/admit", adminToken, nil, nil); status != http.StatusNotFound {
		t.Errorf("admitting again through the API: HTTP %d, want 404", status)
	}

	// Guest 3, refused.
	carol := e.guestToken(t, ctx, room, "Carol")
	k3 := startKnock(t, ctx, e, carol.Token)
	k3.waitInLobby(t, ctx)
	next(t, ctx, host, func(ev client.LobbyKnock) bool { return ev.Guest.Identity == carol.Identity })
	if err := host.RefuseGuest(ctx, carol.Identity); err != nil {
		t.Fatalf("refuse: %v", err)
	}
	if r3 := k3.outcome(t, ctx); client.ErrorCode(r3.err) != "lobby_refused" {
		t.Errorf("refused guest's Join = %v, want code lobby_refused", r3.err)
	}
	if left := next(t, ctx, host, func(ev client.LobbyLeft) bool { return ev.Guest.Identity == carol.Identity }); left.Reason != "refused" {
		t.Errorf("lobby_left reason %q, want refused", left.Reason)
	}

	// Guest 4 gives up (its Join's ctx ends): the host hears it left.
	dave := e.guestToken(t, ctx, room, "Dave")
	kctx, giveUp := context.WithCancel(ctx)
	k4 := startKnock(t, kctx, e, dave.Token)
	k4.waitInLobby(t, ctx)
	next(t, ctx, host, func(ev client.LobbyKnock) bool { return ev.Guest.Identity == dave.Identity })
	giveUp()
	if left := next(t, ctx, host, func(ev client.LobbyLeft) bool { return ev.Guest.Identity == dave.Identity }); left.Reason != "cancelled" {
		t.Errorf("lobby_left reason %q, want cancelled", left.Reason)
	}
	if r4 := k4.outcome(t, ctx); r4.err == nil {
		t.Error("Join of a guest who gave up succeeded")
	}
}
