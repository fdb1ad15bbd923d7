package main

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// clusterNodeArgs are the arguments of node id of a cluster on redisAddr.
func clusterNodeArgs(t *testing.T, redisAddr, id string, port int) []string {
	return []string{"--dev", "--data-dir", t.TempDir(), "--redis-address", redisAddr,
		"--node-id", id, "--node-url", "http://127.0.0.1:" + strconv.Itoa(port)}
}

// followedRoom is a publisher playing the Opus clip and a subscriber receiving it
// that follow their room from node to node (room_moved, and a rejoin when the
// session is forgotten): the count of packets received goes on across moves.
type followedRoom struct {
	room               string
	pub, sub           *client.Client
	received           atomic.Int64
	pubMoves, subMoves atomic.Int64 // Rejoined events
}

func followRoom(t *testing.T, ctx context.Context, pubURL, subURL, room string) *followedRoom {
	t.Helper()
	opts := []client.Option{client.WithLogger(slog.New(slog.DiscardHandler)), client.WithRejoin(true)}
	join := func(identity, baseURL string) *client.Client {
		c, err := client.Join(ctx, baseURL, participantToken(t, room, identity), opts...)
		if err != nil {
			t.Fatalf("%s joins %s through %s: %v", identity, room, baseURL, err)
		}
		return c
	}
	f := &followedRoom{room: room, pub: join("pub", pubURL), sub: join("sub", subURL)}
	opus, err := clip.ParseOgg(clips.Opus)
	if err != nil {
		t.Fatal(err)
	}
	track, err := f.pub.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
	if err != nil {
		t.Fatal(err)
	}
	playCtx, stopPlay := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := clienttest.PlayClip(playCtx, track, opus); err != nil && playCtx.Err() == nil {
			t.Errorf("the publisher stopped playing: %v", err)
		}
	})
	wg.Go(func() {
		for ev := range f.pub.Events() {
			if _, ok := ev.(client.Rejoined); ok {
				f.pubMoves.Add(1)
			}
		}
	})
	wg.Go(func() {
		for ev := range f.sub.Events() {
			switch ev := ev.(type) {
			case client.Rejoined:
				f.subMoves.Add(1)
			case client.TrackSubscribed:
				countPackets(&wg, ev.Track, &f.received)
			}
		}
	})
	t.Cleanup(func() {
		stopPlay()
		_ = f.pub.Close()
		_ = f.sub.Close()
		wg.Wait()
	})
	return f
}

// waitFor fails unless cond holds within d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Draining the node that hosts a room (through another node's API) moves the room
// and both its participants to another node, where the media flows again; the room
// record and its meeting stay, and the drained node exits.
func TestClusterDrainMovesTheRoomToAnotherNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	a, urls := startClusterAround(t, ctx, storetest.StartRedis(t))
	b, c := urls[0], urls[1]
	admin := adminClient(t, c)

	// The room and its meeting are in the store; node-1 hosts the live room (the
	// three nodes are empty: the least-loaded with the smallest id).
	if _, err := admin.CreateRoom(ctx, apiwire.CreateRoomRequest{Name: "moving", Metadata: `{"team":"ops"}`}); err != nil {
		t.Fatal(err)
	}
	m, _, err := admin.CreateMeeting(ctx, apiwire.CreateMeetingRequest{Title: "Ops weekly", Room: "moving",
		Start: "2030-01-07T09:00:00Z", End: "2030-01-07T10:00:00Z"}, "")
	if err != nil {
		t.Fatal(err)
	}
	f := followRoom(t, ctx, b, c, "moving")
	keepsFlowing(t, "before the drain", f.received.Load)
	if host := roomNode(t, ctx, c, "moving"); host != "node-1" {
		t.Fatalf("the room is on %q, want node-1", host)
	}

	if err := admin.DrainNode(ctx, "node-1"); err != nil {
		t.Fatalf("drain node-1 through node-3: %v", err)
	}
	if resp, err := http.Get(a.url + "/readyz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("node-1's /readyz says %d after its drain started, want 503", resp.StatusCode)
		}
	} // refused: node-1 is already gone, having emptied

	waitFor(t, 30*time.Second, "both participants rejoined", func() bool {
		return f.pubMoves.Load() >= 1 && f.subMoves.Load() >= 1
	})
	keepsFlowing(t, "after the move", f.received.Load)
	host := roomNode(t, ctx, b, "moving")
	if host == "node-1" || host == "" {
		t.Fatalf("after the drain the room is on %q", host)
	}
	select {
	case <-a.exited:
		if a.err != nil {
			t.Errorf("the drained node exited with %v", a.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the drained node did not exit once empty")
	}
	// Nothing durable lost: the room record and its meeting.
	if r, err := admin.GetRoom(ctx, "moving"); err != nil || r.Metadata != `{"team":"ops"}` || r.Node != host {
		t.Errorf("room after the move: %+v, %v", r, err)
	}
	if _, err := admin.MeetingICS(ctx, m.ID); err != nil {
		t.Errorf("meeting after the move: %v", err)
	}
	if others := f.sub.Others(); len(others) != 1 || others[0].Identity != "pub" {
		t.Errorf("the subscriber sees %+v after the move, want pub alone", others)
	}
}
