package main

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/internal/levelstamp"
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
	data     map[string]int  // messages received, by sender identity + "/" + topic
	speakers map[string]bool // identities announced as active speakers
	level    atomic.Uint32   // the audio level its microphone stamps (127: silence)
}

func (m *cascadeMember) heardSpeaking(identity string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.speakers[identity]
}

func (m *cascadeMember) messages(from, topic string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.data[from+"/"+topic]
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

// joinCascade joins room through baseURL as identity, publishes a microphone
// (and a camera), and reads every track it gets, until the test ends.
func joinCascade(t *testing.T, ctx context.Context, baseURL, room, identity string, camera bool) *cascadeMember {
	t.Helper()
	m := &cascadeMember{identity: identity, packets: map[string]*atomic.Int64{}, tracks: map[string]*client.RemoteTrack{},
		data: map[string]int{}, speakers: map[string]bool{}}
	m.level.Store(127)
	c, err := client.Join(ctx, baseURL, participantToken(t, room, identity), client.WithLogger(slog.New(slog.DiscardHandler)),
		client.WithInterceptor(levelstamp.Stamper{Level: &m.level}))
	if err != nil {
		t.Fatalf("%s joins %s through %s: %v", identity, room, baseURL, err)
	}
	m.c = c
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
	playCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = clienttest.PlayClip(playCtx, mic, opus) })
	if camera {
		cam, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera, Width: 320, Height: 180})
		if err != nil {
			t.Fatal(err)
		}
		m.camera = cam
		wg.Go(func() { _ = clienttest.PlayClip(playCtx, cam, vp8) })
	}
	wg.Go(func() {
		for {
			select {
			case <-playCtx.Done():
				return
			case ev := <-c.Events():
				if sp, ok := ev.(client.ActiveSpeakers); ok {
					for _, s := range sp.Speakers {
						for _, o := range c.Others() {
							if o.SID == s.ParticipantSID && s.Active {
								m.mu.Lock()
								m.speakers[o.Identity] = true
								m.mu.Unlock()
							}
						}
					}
					continue
				}
				if d, ok := ev.(client.DataReceived); ok {
					m.mu.Lock()
					m.data[d.FromIdentity+"/"+d.Topic]++
					m.mu.Unlock()
					continue
				}
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
				countPackets(&wg, s.Track, n)
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

// receivedMatrix describes what each member received from each other, for a
// failure's message.
func receivedMatrix(members []*cascadeMember) string {
	var b strings.Builder
	for _, m := range members {
		m.mu.Lock()
		fmt.Fprintf(&b, "%s:", m.identity)
		for k, n := range m.packets {
			fmt.Fprintf(&b, " %s=%d", k, n.Load())
		}
		m.mu.Unlock()
		b.WriteString("; ")
	}
	return b.String()
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
// relay), a key-frame request crosses the relay to the publisher, active
// speakers and data messages are room-wide, and the counters show each
// published track crossed to the other node exactly once.
//
// Of video, 90 packets of each camera (about three seconds of the clip).
// Before the allocator could probe a subscriber whose every video was paused
// (see sfu: TestPausedVideoComesBackWithoutFeedback), one subscriber's video
// sometimes stayed paused on this busy machine while audio flowed, and this
// test could ask for no more than one packet.
func TestClusterCascadeSpansARoomOverTwoNodes(t *testing.T) {
	spanRoom(t, 2, []string{"ada", "bob", "cyd", "dee"}, 2, 90)
}

// Three nodes, two participants on each: the two satellites reach each other
// through the room's host, each track crossing to each other node once.
//
// One camera per node (six overloaded the machine), 90 packets of each.
func TestClusterCascadeSpansARoomOverThreeNodes(t *testing.T) {
	spanRoom(t, 3, []string{"ada", "bob", "cyd", "dee", "eve", "fay"}, 1, 90)
}

// spanRoom starts nodes node processes on one real Redis, at most two
// participants of a room per node, joins names (two per node, the first
// cameras of each node with a camera) through the nodes in turn, and checks
// the room spans them all: media, rosters, key-frame requests and the relay
// counters.
func spanRoom(t *testing.T, nodes int, names []string, cameras int, videoPackets int64) {
	const perNode = 2
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	redisAddr := storetest.StartRedis(t)
	urlOf := map[string]string{}
	var urls []string
	for i := range nodes {
		port := freePort(t)
		id := fmt.Sprintf("node-%d", i+1)
		args := append(clusterNodeArgs(t, redisAddr, id, port), "--max-participants-per-node", strconv.Itoa(perNode))
		url, stop := startServe(t, port, args...)
		t.Cleanup(stop)
		urls = append(urls, url)
		urlOf[id] = url
	}
	const room = "cascade"
	// Placement fills the host first, then one node after another: the
	// members i*perNode ... i*perNode+perNode-1 share a node.
	var members []*cascadeMember
	hasCamera := map[string]bool{}
	for i, name := range names {
		hasCamera[name] = i%perNode < cameras
		members = append(members, joinCascade(t, ctx, urls[i%nodes], room, name, hasCamera[name]))
	}
	host := roomNode(t, ctx, urls[0], room)
	if urlOf[host] == "" {
		t.Fatalf("the room is hosted on %q", host)
	}

	for _, m := range members {
		for _, from := range names {
			if from == m.identity {
				continue
			}
			kinds := []vocab.Kind{vocab.KindAudio}
			if hasCamera[from] {
				kinds = append(kinds, vocab.KindVideo)
			}
			for _, kind := range kinds {
				want := int64(25) // half a second of Opus
				if kind == vocab.KindVideo {
					want = videoPackets
				}
				deadline := time.Now().Add(30 * time.Second)
				for m.received(from, kind) < want {
					if time.Now().After(deadline) {
						t.Fatalf("%s receives too little of %s's %s; all received: %s", m.identity, from, kind, receivedMatrix(members))
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		}
		var roster []string
		for _, o := range m.c.Others() {
			roster = append(roster, o.Identity)
		}
		if len(roster) != len(names)-1 {
			t.Errorf("%s sees %v, want the %d others and no relay", m.identity, roster, len(names)-1)
		}
	}

	// A key-frame request of a subscriber reaches the publisher on another
	// node, whichever the nodes are: each asks each, and every publisher hears it.
	for _, pub := range members {
		if pub.camera == nil {
			continue
		}
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

	// Active speakers are room-wide: the last node's last member speaks, and
	// everyone hears it named.
	last := members[len(members)-1]
	last.level.Store(20)
	for _, m := range members[:len(members)-1] {
		waitFor(t, 15*time.Second, m.identity+" hearing "+last.identity+" speak", func() bool { return m.heardSpeaking(last.identity) })
	}

	// Data messages are room-wide: a broadcast from the last node reaches
	// everyone once, a message to one participant reaches that one only
	// (checked once a later broadcast arrived everywhere).
	first := members[0]
	send := func(topic string, to ...string) {
		if err := last.c.SendData(ctx, []byte(topic), client.DataOptions{Topic: topic, To: to}); err != nil {
			t.Fatalf("%s sends %s: %v", last.identity, topic, err)
		}
	}
	send("hello")
	send("private", first.identity)
	send("after")
	for _, m := range members[:len(members)-1] {
		waitFor(t, 10*time.Second, m.identity+" receiving "+last.identity+"'s messages", func() bool {
			return m.messages(last.identity, "after") == 1
		})
		wantPrivate := 0
		if m == first {
			wantPrivate = 1
		}
		if hello, private := m.messages(last.identity, "hello"), m.messages(last.identity, "private"); hello != 1 || private != wantPrivate {
			t.Errorf("%s received the broadcast %d times and the message to %s %d times, want 1 and %d",
				m.identity, hello, first.identity, private, wantPrivate)
		}
	}
	if n := last.messages(last.identity, "hello"); n != 0 {
		t.Errorf("%s received its own broadcast back %d times", last.identity, n)
	}

	// Each satellite sends its two participants' four tracks to the host once,
	// and receives once each track of every other node (through the host).
	tracksPerNode := perNode + cameras
	for id, url := range urlOf {
		if id == host {
			for other := range urlOf {
				if out := relayCount(t, url, "out", other); out != 0 {
					t.Errorf("the host %s relayed %d tracks to %s: a host runs no bridge", host, out, other)
				}
			}
			continue
		}
		out, in := relayCount(t, url, "out", host), relayCount(t, url, "in", host)
		if out != tracksPerNode || in != tracksPerNode*(nodes-1) {
			t.Errorf("%s relayed %d tracks to the host %s and received %d from it, want %d and %d",
				id, out, host, in, tracksPerNode, tracksPerNode*(nodes-1))
		}
	}
}
