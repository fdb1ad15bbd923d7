package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/api"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// `ensemble serve` wires the lobby end to end: a guest of a room created with its
// lobby on waits, the room admin hears the knock and admits over /rtc; a guest still
// waiting when the server shuts down is told server_shutdown.
func TestServeLobbyAdmitsGuestsAndEndsWaitsOnShutdown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	baseURL, stop := startServe(t, freePort(t), "--dev", "--data-dir", t.TempDir())
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	if _, err := adminClient(t, baseURL).CreateRoom(ctx, apiwire.CreateRoomRequest{Name: "lobby-room", Lobby: true, GuestPolicy: store.GuestAllow}); err != nil {
		t.Fatal(err)
	}
	quiet := client.WithLogger(slog.New(slog.DiscardHandler))
	g := auth.DefaultParticipantGrants()
	g.RoomAdmin = true
	hostToken, err := auth.Sign(auth.DevAPIKey, auth.DevAPISecret, auth.TokenParams{Identity: "host", Room: "lobby-room", Grants: g, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	host, err := client.Join(ctx, baseURL, hostToken, quiet)
	if err != nil {
		t.Fatalf("host join: %v", err)
	}
	defer host.Close()

	knock := func(name string) (identity string, result chan error) {
		body, _ := json.Marshal(api.GuestJoinRequest{Name: name})
		resp, err := http.Post(baseURL+"/api/rooms/lobby-room/join", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var gj api.GuestJoinResponse
		if err := json.NewDecoder(resp.Body).Decode(&gj); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("guest token: HTTP %d, %v", resp.StatusCode, err)
		}
		result = make(chan error, 1)
		go func() {
			c, err := client.Join(ctx, gj.URL, gj.Token, quiet)
			if c != nil {
				c.Close()
			}
			result <- err
		}()
		return gj.Identity, result
	}
	waitKnock := func(identity string) {
		for {
			select {
			case ev := <-host.Events():
				if k, ok := ev.(client.LobbyKnock); ok && k.Guest.Identity == identity {
					return
				}
			case <-ctx.Done():
				t.Fatalf("no knock of %s", identity)
			}
		}
	}

	alice, aliceJoined := knock("Alice")
	waitKnock(alice)
	if err := host.AdmitGuest(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if err := <-aliceJoined; err != nil {
		t.Fatalf("admitted guest: %v", err)
	}

	bob, bobJoined := knock("Bob")
	waitKnock(bob)
	stop()
	stopped = true
	if err := <-bobJoined; client.ErrorCode(err) != "server_shutdown" {
		t.Errorf("guest waiting at shutdown: Join = %v, want server_shutdown", err)
	}
}
