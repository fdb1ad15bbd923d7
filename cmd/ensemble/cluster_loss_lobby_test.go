package main

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

// SIGKILL of the node that hosts a room with its lobby on loses no lobby state:
// a guest the room admin let in comes back on the room's next host without
// knocking; a guest still waiting knocks again there by itself, and the room
// admin (moved too) hears the knock and lets it in. A guest the room admin
// then removes knocks again if it comes back.
func TestClusterNodeLossKeepsTheLobbyState(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	redisAddr := storetest.StartRedis(t)
	a, urls := startClusterAround(t, ctx, redisAddr)
	b, c := urls[0], urls[1]
	admin := adminClient(t, b)
	if _, err := admin.CreateRoom(ctx, apiwire.CreateRoomRequest{Name: "guarded", Lobby: true, GuestPolicy: store.GuestAllow}); err != nil {
		t.Fatal(err)
	}
	quiet := client.WithLogger(slog.New(slog.DiscardHandler))
	g := auth.DefaultParticipantGrants()
	g.RoomAdmin = true
	hostToken, err := auth.Sign(auth.DevAPIKey, auth.DevAPISecret, auth.TokenParams{Identity: "host", Room: "guarded", Grants: g, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup // event readers, done once their clients closed
	defer wg.Wait()
	host, err := client.Join(ctx, b, hostToken, quiet, client.WithRejoin(true))
	if err != nil {
		t.Fatalf("host join: %v", err)
	}
	defer host.Close()
	if n := roomNode(t, ctx, c, "guarded"); n != "node-1" {
		t.Fatalf("the room is on %q, want node-1", n)
	}
	var (
		mu      sync.Mutex
		knocks  = map[string]int{} // lobby_knock heard by the host, by guest
		hostRej atomic.Int64
	)
	wg.Go(func() {
		for ev := range host.Events() {
			switch ev := ev.(type) {
			case client.LobbyKnock:
				mu.Lock()
				knocks[ev.Guest.Identity]++
				mu.Unlock()
			case client.Rejoined:
				hostRej.Add(1)
			}
		}
	})
	knocked := func(identity string) int {
		mu.Lock()
		defer mu.Unlock()
		return knocks[identity]
	}

	// guest knocks through c; its Join's result arrives on the returned channel.
	type joined struct {
		cl  *client.Client
		err error
	}
	guest := func(identity string, waits *atomic.Int64) chan joined {
		out := make(chan joined, 1)
		go func() {
			cl, err := client.Join(ctx, c, participantToken(t, "guarded", identity), quiet, client.WithRejoin(true),
				client.WithLobbyWaiting(func(client.LobbyWaiting) { waits.Add(1) }))
			out <- joined{cl, err}
		}()
		return out
	}
	var annWaits, bobWaits atomic.Int64
	annJoin := guest("ann", &annWaits)
	waitFor(t, 10*time.Second, "the host hearing ann knock", func() bool { return knocked("ann") == 1 })
	if err := host.AdmitGuest(ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	j := <-annJoin
	if j.err != nil {
		t.Fatalf("ann admitted: %v", j.err)
	}
	ann := j.cl
	defer ann.Close()
	var annRej atomic.Int64
	wg.Go(func() {
		for ev := range ann.Events() {
			if _, ok := ev.(client.Rejoined); ok {
				annRej.Add(1)
			}
		}
	})
	bobJoin := guest("bob", &bobWaits)
	waitFor(t, 10*time.Second, "the host hearing bob knock", func() bool { return knocked("bob") == 1 })

	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	<-a.exited
	waitFor(t, 20*time.Second, "the host and ann back in the room", func() bool {
		return hostRej.Load() >= 1 && annRej.Load() >= 1
	})
	if n := annWaits.Load(); n != 1 {
		t.Errorf("ann, admitted before the loss, waited in the lobby %d times, want once", n)
	}
	waitFor(t, 20*time.Second, "the host hearing bob knock again on the new host", func() bool { return knocked("bob") >= 2 })
	t.Logf("bob knocking again on the new host %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	if err := host.AdmitGuest(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	select {
	case j := <-bobJoin:
		if j.err != nil {
			t.Fatalf("bob admitted on the new host: %v", j.err)
		}
		defer j.cl.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("bob not in within 10 s of his admission")
	}
	if n := bobWaits.Load(); n < 2 {
		t.Errorf("bob waited %d times, want again after the loss", n)
	}
	newHost := roomNode(t, ctx, c, "guarded")
	if newHost == "node-1" || newHost == "" {
		t.Fatalf("after the kill the room is on %q", newHost)
	}
	waitFor(t, 10*time.Second, "the new host listing host, ann and bob", func() bool {
		ps, err := admin.ListParticipants(ctx, "guarded")
		return err == nil && len(ps) == 3
	})

	// Removed, ann knocks again if she comes back.
	if err := admin.RemoveParticipant(ctx, "guarded", "ann"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "ann out of the room", func() bool {
		ps, err := admin.ListParticipants(ctx, "guarded")
		return err == nil && len(ps) == 2
	})
	var again atomic.Int64
	back, cancelBack := context.WithCancel(ctx)
	defer cancelBack()
	go func() {
		if cl, err := client.Join(back, c, participantToken(t, "guarded", "ann"), quiet,
			client.WithLobbyWaiting(func(client.LobbyWaiting) { again.Add(1) })); err == nil {
			cl.Close()
		}
	}()
	waitFor(t, 10*time.Second, "ann, removed, knocking again when she comes back", func() bool { return again.Load() == 1 })
}
