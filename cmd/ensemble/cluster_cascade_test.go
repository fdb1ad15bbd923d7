package main

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// cascadeMember is a participant publishing the Opus and VP8 clips and counting
// the packets it receives from each other participant's tracks.
type cascadeMember struct {
	identity string
	c        *client.Client
	camera   *client.LocalTrack
	mu       sync.Mutex
	packets  map[string]*atomic.Int64 // by publisher identity + "/" + kind
	tracks   map[string]*client.RemoteTrack
}

func (m *cascadeMember) received(from string, kind vocab.Kind) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := m.packets[from+"/"+string(kind)]; n != nil {
		return n.Load()
	}
	return 0
}

func (m *cascadeMember) track(from string, kind vocab.Kind) *client.RemoteTrack {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tracks[from+"/"+string(kind)]
}

// joinCascade joins room through baseURL as identity, publishes a microphone and
// a camera, and reads every track it gets, until the test ends.
func joinCascade(t *testing.T, ctx context.Context, baseURL, room, identity string) *cascadeMember {
	t.Helper()
	c, err := client.Join(ctx, baseURL, participantToken(t, room, identity), client.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("%s joins %s through %s: %v", identity, room, baseURL, err)
	}
	m := &cascadeMember{identity: identity, c: c, packets: map[string]*atomic.Int64{}, tracks: map[string]*client.RemoteTrack{}}
	opus, err := clip.ParseOgg(clips.Opus)
	if err != nil {
		t.Fatal(err)
	}
	vp8, err := clip.ParseIVF(clips.VP8Low)
	if err != nil {
		t.Fatal(err)
	}
	mic, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
	if err != nil {
		t.Fatal(err)
	}
	cam, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera, Width: 320, Height: 180})
	if err != nil {
		t.Fatal(err)
	}
	m.camera = cam
	playCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = clienttest.PlayClip(playCtx, mic, opus) })
	wg.Go(func() { _ = clienttest.PlayClip(playCtx, cam, vp8) })
	wg.Go(func() {
		for {
			select {
			case <-playCtx.Done():
				return
			case ev := <-c.Events():
				s, ok := ev.(client.TrackSubscribed)
				if !ok {
					continue
				}
				owner, _ := s.Track.Participant()
				key := owner.Identity + "/" + string(s.Track.Kind())
				n := &atomic.Int64{}
				m.mu.Lock()
				m.packets[key], m.tracks[key] = n, s.Track
				m.mu.Unlock()
				rt := s.Track
				wg.Go(func() {
					for {
						if _, err := rt.ReadRTP(); err != nil {
							return
						}
						n.Add(1)
					}
				})
			}
		}
	})
	t.Cleanup(func() {
		stop()
		_ = c.Close()
		wg.Wait()
	})
	return m
}

// relayCount reads ensemble_relay_tracks_{out,in}_total{peer} from a node's /metrics.
func relayCount(t *testing.T, baseURL, dir, peer string) int {
	t.Helper()
	re := regexp.MustCompile(`(?m)^ensemble_relay_tracks_` + dir + `_total\{peer="` + regexp.QuoteMeta(peer) + `"\} (\d+)`)
	m := re.FindStringSubmatch(metricsText(t, baseURL))
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// Two node processes on one real Redis with at most two participants of a
// room per node: four participants span the room over both nodes, everyone
// receives everyone's audio and video, the roster shows the people (not the
// relay), a key-frame request crosses the relay to the publisher, and the
// counters show each published track crossed to the other node exactly once.
func TestClusterCascadeSpansARoomOverTwoNodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	redisAddr := storetest.StartRedis(t)
	var urls []string
	for i := range 2 {
		port := freePort(t)
		args := append(clusterNodeArgs(t, redisAddr, fmt.Sprintf("node-%d", i+1), port), "--max-participants-per-node", "2")
		url, stop := startServe(t, port, args...)
		t.Cleanup(stop)
		urls = append(urls, url)
	}
	const room = "cascade"
	names := []string{"ada", "bob", "cyd", "dee"}
	var members []*cascadeMember
	for i, name := range names {
		members = append(members, joinCascade(t, ctx, urls[i%2], room, name))
	}
	host := roomNode(t, ctx, urls[0], room)
	other := map[string]string{"node-1": "node-2", "node-2": "node-1"}[host]
	if other == "" {
		t.Fatalf("the room is hosted on %q", host)
	}
	satellite := map[string]string{"node-1": urls[0], "node-2": urls[1]}[other]

	for _, m := range members {
		for _, from := range names {
			if from == m.identity {
				continue
			}
			for _, kind := range []vocab.Kind{vocab.KindAudio, vocab.KindVideo} {
				waitFor(t, 30*time.Second, fmt.Sprintf("%s receiving %s's %s", m.identity, from, kind), func() bool {
					return m.received(from, kind) >= 25
				})
			}
		}
		var roster []string
		for _, o := range m.c.Others() {
			roster = append(roster, o.Identity)
		}
		if len(roster) != 3 {
			t.Errorf("%s sees %v, want the three others and no relay", m.identity, roster)
		}
	}

	// A key-frame request of a subscriber reaches the publisher on the other
	// node, whichever the nodes are: each asks each, and every publisher hears it.
	for _, pub := range members {
		before := pub.camera.KeyframeRequests()
		waitFor(t, 20*time.Second, pub.identity+"'s camera asked for a key frame across nodes", func() bool {
			for _, sub := range members {
				if sub != pub {
					_ = sub.track(pub.identity, vocab.KindVideo).RequestKeyframe()
				}
			}
			return pub.camera.KeyframeRequests() > before
		})
	}

	// Two participants of two tracks on each node: four tracks each way, once.
	if out, in := relayCount(t, satellite, "out", host), relayCount(t, satellite, "in", host); out != 4 || in != 4 {
		t.Errorf("%s relayed %d tracks to %s and received %d from it, want 4 and 4", other, out, host, in)
	}
	hostURL := map[string]string{"node-1": urls[0], "node-2": urls[1]}[host]
	if out := relayCount(t, hostURL, "out", other); out != 0 {
		t.Errorf("the host %s runs a bridge of its own room (%d tracks out)", host, out)
	}
}
