package api

import (
	"context"
	"strings"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/lobby"
)

func TestLobbyRoutes(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/api/v1/rooms", e.admin, `{"name":"r1","lobby":true}`).ok(t, 201, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	type result struct {
		d   lobby.Decision
		err error
	}
	knock := func(id string) chan result {
		ch := make(chan result, 1)
		go func() { d, err := e.lobby.Knock(ctx, "r1", id, "Guest "+id); ch <- result{d, err} }()
		return ch
	}
	a, b := knock("guest-a"), knock("guest-b")
	waitUntil(t, "two guests waiting", func() bool { return len(e.lobby.Waiting("r1")) == 2 })

	host := e.token("r1", "room_admin")
	var list LobbyList
	e.do("GET", "/api/v1/rooms/r1/lobby", host, "").ok(t, 200, &list)
	if len(list.Guests) != 2 || list.Guests[0].Name == "" {
		t.Fatalf("lobby = %+v", list)
	}
	e.do("POST", "/api/v1/rooms/r1/lobby/guest-a/admit", host, "").ok(t, 204, nil)
	e.do("POST", "/api/v1/rooms/r1/lobby/guest-b/refuse", host, "").ok(t, 204, nil)
	if r := <-a; r.d != lobby.Admitted || r.err != nil {
		t.Fatalf("guest-a: %+v", r)
	}
	if r := <-b; r.d != lobby.Refused || r.err != nil {
		t.Fatalf("guest-b: %+v", r)
	}
	e.do("GET", "/api/v1/rooms/r1/lobby", host, "").ok(t, 200, &list)
	if len(list.Guests) != 0 {
		t.Fatalf("lobby = %+v", list)
	}
	e.do("POST", "/api/v1/rooms/r1/lobby/guest-a/admit", host, "").problem(t, 404, "guest_not_waiting")
	e.do("POST", "/api/v1/rooms/r1/lobby/guest-a/refuse", host, "").problem(t, 404, "guest_not_waiting")
	e.do("GET", "/api/v1/rooms/nope/lobby", e.admin, "").problem(t, 404, "room_not_found")
	e.do("POST", "/api/v1/rooms/r1/lobby/guest-a/admit", e.token("other", "room_admin"), "").problem(t, 403, auth.CodeWrongRoom)
	e.do("POST", "/api/v1/rooms/r1/lobby/guest-a/admit", e.token("", "room_create", "room_list"), "").problem(t, 403, auth.CodeMissingGrant)
}

func TestLobbyRoutesWithoutLobby(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.Lobby = nil })
	e.do("GET", "/api/v1/rooms/r1/lobby", e.admin, "").problem(t, 404, "lobby_disabled")
	e.do("POST", "/api/v1/rooms/r1/lobby/x/admit", e.admin, "").problem(t, 404, "lobby_disabled")
	e.do("POST", "/api/v1/rooms/r1/lobby/x/refuse", e.admin, "").problem(t, 404, "lobby_disabled")
}

// Without a SIP bridge the sip-participants routes say so.
func TestSIPRoutesWithoutABridge(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/api/v1/rooms/r1/sip-participants", e.admin, `{"uri":"sip:a@b"}`).problem(t, 404, "sip_disabled")
	e.do("GET", "/api/v1/rooms/r1/sip-participants/x", e.admin, "").problem(t, 404, "sip_disabled")
	e.do("DELETE", "/api/v1/rooms/r1/sip-participants/x", e.admin, "").problem(t, 404, "sip_disabled")
	if _, err := e.run("sip-dial", "r1", "sip:a@b"); err == nil || !strings.Contains(err.Error(), "sip_disabled") {
		t.Fatalf("ensemble room sip-dial without a bridge: %v", err)
	}
}
