package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// liveRoom joins a publisher playing the Opus clip and a subscriber receiving it,
// and returns the count of packets the subscriber has read so far.
func liveRoom(t *testing.T, ctx context.Context, baseURL, room string) (received func() int64) {
	t.Helper()
	return liveRoomAcross(t, ctx, baseURL, baseURL, room)
}

// liveRoomAcross is liveRoom with the publisher and the subscriber entering through
// different URLs (nodes of a cluster).
func liveRoomAcross(t *testing.T, ctx context.Context, pubURL, subURL, room string) (received func() int64) {
	t.Helper()
	quiet := client.WithLogger(slog.New(slog.DiscardHandler))
	join := func(identity, baseURL string) *client.Client {
		tok := participantToken(t, room, identity)
		c, err := client.Join(ctx, baseURL, tok, quiet)
		if err != nil {
			t.Fatalf("%s joins %s: %v", identity, room, err)
		}
		return c
	}
	pub, sub := join("pub", pubURL), join("sub", subURL)
	opus, err := clip.ParseOgg(clips.Opus)
	if err != nil {
		t.Fatal(err)
	}
	track, err := pub.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
	if err != nil {
		t.Fatal(err)
	}
	playCtx, stopPlay := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = clienttest.PlayClip(playCtx, track, opus) })
	var n atomic.Int64
	rt := waitTrack(t, sub)
	countPackets(&wg, rt, &n)
	t.Cleanup(func() {
		stopPlay()
		_ = pub.Close()
		_ = sub.Close()
		wg.Wait()
	})
	return n.Load
}

// waitTrack returns the first track sub is subscribed to.
func waitTrack(t *testing.T, sub *client.Client) *client.RemoteTrack {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-sub.Events():
			if s, ok := ev.(client.TrackSubscribed); ok {
				return s.Track
			}
		case <-timeout:
			t.Fatal("subscriber got no track within 20 s")
		}
	}
}

// keepsFlowing fails unless received grows by at least 25 packets (half a second of
// Opus) within 10 s.
func keepsFlowing(t *testing.T, what string, received func() int64) {
	t.Helper()
	start := received()
	deadline := time.Now().Add(10 * time.Second)
	for received()-start < 25 {
		if time.Now().After(deadline) {
			t.Fatalf("%s: media stopped (%d packets in 10 s)", what, received()-start)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func refusalCode(t *testing.T, resp *http.Response) string {
	t.Helper()
	var body struct{ Code string }
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	return body.Code
}

// A flood of joins from one address is refused with 429 and Retry-After once the
// address's budget is spent; the participants already in the room keep their media.
func TestServeRefusesAJoinFloodAndTheRoomKeepsItsMedia(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "ensemble.yaml")
	if err := writeFile(conf, "limits:\n  joins_per_ip: {per_second: 0.2, burst: 10}\n"); err != nil {
		t.Fatal(err)
	}
	baseURL, stop := startServe(t, freePort(t), "--dev", "--data-dir", dir, "--config", conf)
	defer stop()
	received := liveRoom(t, ctx, baseURL, "busy-room")
	keepsFlowing(t, "before the flood", received)

	refused := false
	for range 20 {
		resp, err := http.Get(baseURL + "/rtc?access_token=flood")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			if resp.Header.Get("Retry-After") == "" || refusalCode(t, resp) != "rate_limited" {
				t.Fatalf("429 without Retry-After or code: %v", resp.Header)
			}
			refused = true
			break
		}
		resp.Body.Close()
	}
	if !refused {
		t.Fatal("20 joins from one address in a burst of 10 were all let through")
	}
	keepsFlowing(t, "after the flood", received)
}

// joinRefusal tries a join of identity into room with the Go client and returns
// the HTTP refusal it met (nil when it joined; the client then leaves).
func joinRefusal(t *testing.T, ctx context.Context, baseURL, room, identity string) *client.Error {
	t.Helper()
	tok := participantToken(t, room, identity)
	// Without retries: the refusal itself is what these tests look at.
	c, err := client.Join(ctx, baseURL, tok, client.WithLogger(slog.New(slog.DiscardHandler)), client.WithJoinRetry(0))
	if err == nil {
		c.Close()
		return nil
	}
	var je *client.Error
	if !errors.As(err, &je) {
		t.Fatalf("join %s: %v, not a refusal", room, err)
	}
	return je
}

// preflightRefusal is the answer of a plain GET of /rtc (what the upgrade would meet).
func preflightRefusal(t *testing.T, baseURL, room, identity string) (*http.Response, string) {
	t.Helper()
	tok := participantToken(t, room, identity)
	resp, err := http.Get(baseURL + "/rtc?access_token=" + tok)
	if err != nil {
		t.Fatal(err)
	}
	return resp, refusalCode(t, resp)
}

// A node past its forwarding budget refuses new joins with 503 server_overloaded
// and Retry-After; the meeting already on it keeps its media.
func TestServeOverBandwidthBudgetRefusesJoinsAndKeepsTheRoom(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	// 1 kbit/s: the Opus stream of the first room is past it.
	baseURL, stop := startServe(t, freePort(t), "--dev", "--data-dir", dir, "--max-egress-mbps", "0.001")
	defer stop()
	received := liveRoom(t, ctx, baseURL, "first-room")
	keepsFlowing(t, "first room", received)

	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, code := preflightRefusal(t, baseURL, "second-room", "late")
		if resp.StatusCode == http.StatusServiceUnavailable {
			if code != "server_overloaded" || resp.Header.Get("Retry-After") != "10" {
				t.Fatalf("503 with code %q and Retry-After %q", code, resp.Header.Get("Retry-After"))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node never said it was overloaded (last %d %s)", resp.StatusCode, code)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if je := joinRefusal(t, ctx, baseURL, "second-room", "late"); je == nil || je.HTTPStatus != http.StatusServiceUnavailable || je.Code != "server_overloaded" {
		t.Fatalf("join while overloaded: %+v, want 503 server_overloaded", je)
	}
	keepsFlowing(t, "first room after the refusals", received)
}

// limits.max_rooms: the node opens no room past its cap, and joins to the open
// room still work.
func TestServeRoomCapRefusesANewRoom(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	baseURL, stop := startServe(t, freePort(t), "--dev", "--data-dir", dir, "--max-rooms", "1")
	defer stop()
	received := liveRoom(t, ctx, baseURL, "only-room")
	resp, code := preflightRefusal(t, baseURL, "another-room", "x")
	if resp.StatusCode != http.StatusServiceUnavailable || code != "server_overloaded" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("preflight of a second room: %d %q", resp.StatusCode, code)
	}
	if je := joinRefusal(t, ctx, baseURL, "another-room", "x"); je == nil || je.HTTPStatus != http.StatusServiceUnavailable {
		t.Fatalf("join of a second room: %+v, want 503", je)
	}
	if je := joinRefusal(t, ctx, baseURL, "only-room", "third"); je != nil {
		t.Fatalf("join of the open room refused: %+v", je)
	}
	keepsFlowing(t, "the open room", received)
}
