package api

import (
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
)

func TestGuestJoinInDevMode(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.Dev = true })
	var g GuestJoinResponse
	e.do("POST", "/api/rooms/any-room/join", "", `{"name":"  Alice  "}`).ok(t, 200, &g)
	if g.URL != "ws://"+strings.TrimPrefix(e.url, "http://")+"/rtc" || g.Room != "any-room" || g.Name != "Alice" ||
		!strings.HasPrefix(g.Identity, "guest-") {
		t.Fatalf("response = %+v", g)
	}
	claims, err := e.deps.Verifier.Verify(g.Token)
	if err != nil {
		t.Fatal(err)
	}
	if err := claims.CheckJoin("any-room"); err != nil {
		t.Fatal(err)
	}
	gr := claims.Grants
	if !gr.Join || !gr.Publish || !gr.Subscribe || !gr.PublishData || gr.RoomAdmin || gr.RoomCreate || gr.Hidden ||
		strings.Join(gr.Sources, ",") != "camera,microphone,screen_share,screen_share_audio" {
		t.Fatalf("grants = %+v", gr)
	}
	if claims.Identity() != g.Identity || claims.Name != "Alice" {
		t.Fatalf("claims = %+v", claims)
	}
	if ttl := time.Until(claims.ExpiresAt.Time); ttl > GuestTTL || ttl < GuestTTL-time.Minute {
		t.Fatalf("ttl = %v", ttl)
	}
	var g2 GuestJoinResponse
	e.do("POST", "/api/rooms/any-room/join", "", `{"name":"Alice"}`).ok(t, 200, &g2)
	if g2.Identity == g.Identity {
		t.Fatal("two guests got the same identity")
	}
}

func TestGuestJoinFollowsRoomPolicy(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.PublicURL = "https://meet.example.com/app/" })
	e.do("POST", "/api/v1/rooms", e.admin, `{"name":"open","guest_policy":"allow"}`).ok(t, 201, nil)
	e.do("POST", "/api/v1/rooms", e.admin, `{"name":"closed"}`).ok(t, 201, nil)
	var g GuestJoinResponse
	e.do("POST", "/api/rooms/open/join", "", `{"name":"Bob"}`).ok(t, 200, &g)
	if g.URL != "wss://meet.example.com/app/rtc" {
		t.Fatalf("url %q", g.URL)
	}
	e.do("POST", "/api/rooms/closed/join", "", `{"name":"Bob"}`).problem(t, 403, "guests_not_allowed")
	e.do("POST", "/api/rooms/unknown/join", "", `{"name":"Bob"}`).problem(t, 404, "room_not_found")
	e.do("POST", "/api/rooms/open/join", "", `{"name":""}`).problem(t, 422, "invalid_field", "name")
	e.do("POST", "/api/rooms/open/join", "", `{"name":"`+strings.Repeat("n", 129)+`"}`).problem(t, 422, "invalid_field", "name")
	e.do("POST", "/api/rooms/open/join", "", `{"name":"Bob","admin":true}`).problem(t, 400, "unknown_field", "admin")
	e.do("POST", "/api/rooms/Bad%20Room/join", "", `{"name":"Bob"}`).problem(t, 422, "invalid_field", "room")
	e.do("GET", "/api/rooms/open/join", "", "").problem(t, 405, "method_not_allowed")
}

func TestGuestTokenSignedByAConfiguredKey(t *testing.T) {
	e := newEnv(t, func(d *Deps) {
		d.Dev = true
		d.Keys = auth.Keys{"b-key": "secret-b-0123456789abcdef0123456789", "a-key": "secret-a-0123456789abcdef0123456789"}
		d.Verifier = auth.NewVerifier(d.Keys)
	})
	var g GuestJoinResponse
	e.do("POST", "/api/rooms/r/join", "", `{"name":"x"}`).ok(t, 200, &g)
	claims, err := e.deps.Verifier.Verify(g.Token)
	if err != nil || claims.APIKey() != "a-key" {
		t.Fatalf("claims %+v, %v", claims, err)
	}
}
