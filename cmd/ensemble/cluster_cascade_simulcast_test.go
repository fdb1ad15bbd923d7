package main

import (
	"context"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Simulcast crosses the relay with its layers: a camera publishing three
// layers on the room's host is received on the other node at the top layer
// by one subscriber and at the lowest by one that asks for it (its key
// frames are 1280 and 320 pixels wide), the track crossing once (one track
// counted in, none out) and shown there with its three layers.
func TestClusterCascadeRelaysSimulcastLayers(t *testing.T) {
	const perNode = 2
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	urls, _ := startCascadeNodes(t, 2, perNode)
	const room = "cascade-simulcast"
	// Placement fills the host first: ada and zed on node-1, bob and cyd on node-2.
	publishSimulcast(t, ctx, urls[0], room, "ada")
	zed := watchKeyframes(t, ctx, urls[0], room, "zed", nil)
	if host := roomNode(t, ctx, urls[0], room); host != "node-1" {
		t.Fatalf("the room is hosted on %q, want node-1", host)
	}
	bob := watchKeyframes(t, ctx, urls[1], room, "bob", nil)
	low := vocab.QualityLow
	cyd := watchKeyframes(t, ctx, urls[1], room, "cyd", &low)

	for _, w := range []struct {
		sub   *keyframeWatcher
		width int
	}{{zed, 1280}, {bob, 1280}, {cyd, 320}} {
		waitFor(t, 60*time.Second, w.sub.identity+" receiving ada's camera at "+strconv.Itoa(w.width)+" pixels wide", func() bool {
			return w.sub.lastWidth.Load() == int64(w.width) && w.sub.packetsSinceKey.Load() >= 30
		})
	}
	if n := len(bob.track.Load().Info().Layers); n != 3 {
		t.Errorf("node-2 shows ada's camera with %d layers, want 3", n)
	}
	if in, out := relayCount(t, urls[1], "in", "node-1"), relayCount(t, urls[1], "out", "node-1"); in != 1 || out != 0 {
		t.Errorf("node-2 counts %d tracks in from node-1 and %d out, want 1 and 0", in, out)
	}
}

// publishSimulcast joins room as identity and publishes the VP8 clips as a
// camera of three layers (320x180, 640x360, 1280x720) until the test ends.
func publishSimulcast(t *testing.T, ctx context.Context, baseURL, room, identity string) {
	t.Helper()
	c, err := client.Join(ctx, baseURL, participantToken(t, room, identity), client.WithAutoSubscribe(false),
		client.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("%s joins: %v", identity, err)
	}
	var layers []*clip.Clip
	for _, raw := range [][]byte{clips.VP8Low, clips.VP8Medium, clips.VP8High} {
		l, err := clip.ParseIVF(raw)
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, l)
	}
	cam, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera, Width: 1280, Height: 720,
		Layers: []vocab.LayerInfo{{Width: 320, Height: 180}, {Width: 640, Height: 360}, {Width: 1280, Height: 720}}})
	if err != nil {
		t.Fatal(err)
	}
	playUntilTestEnds(t, c, map[*client.LocalTrack][]*clip.Clip{cam: layers})
}

// keyframeWatcher is a subscriber that notes the width of the last VP8 key
// frame it received of the first video it gets, and the packets since.
type keyframeWatcher struct {
	identity        string
	client          *client.Client
	track           atomic.Pointer[client.RemoteTrack]
	lastWidth       atomic.Int64
	packetsSinceKey atomic.Int64
}

// watchKeyframes joins room as identity and watches the first video it
// receives, asking for quality when not nil.
func watchKeyframes(t *testing.T, ctx context.Context, baseURL, room, identity string, quality *vocab.Quality) *keyframeWatcher {
	t.Helper()
	w := &keyframeWatcher{identity: identity}
	c, err := client.Join(ctx, baseURL, participantToken(t, room, identity), client.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("%s joins: %v", identity, err)
	}
	w.client = c
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case ev := <-c.Events():
				s, ok := ev.(client.TrackSubscribed)
				if !ok || s.Track.Kind() != vocab.KindVideo || !w.track.CompareAndSwap(nil, s.Track) {
					continue
				}
				if quality != nil {
					if err := c.UpdateSubscription(ctx, s.Track.TrackSID, client.SubscriptionSettings{Quality: quality}); err != nil {
						t.Errorf("%s asks for %v: %v", identity, *quality, err)
					}
				}
				rt := s.Track
				wg.Go(func() {
					for {
						p, err := rt.ReadRTP()
						if err != nil {
							return
						}
						if width, key := vp8KeyframeWidth(p.Payload); key {
							w.lastWidth.Store(int64(width))
							w.packetsSinceKey.Store(0)
						}
						w.packetsSinceKey.Add(1)
					}
				})
			}
		}
	})
	t.Cleanup(func() {
		close(done)
		_ = c.Close()
		wg.Wait()
	})
	return w
}

// vp8KeyframeWidth reads the width of a VP8 key frame from the RTP payload
// of its first packet (RFC 7741 payload descriptor, then the frame's header,
// RFC 6386 9.1); key is false for any other packet.
func vp8KeyframeWidth(payload []byte) (width int, key bool) {
	if len(payload) < 1 {
		return 0, false
	}
	desc := payload[0]
	if desc&0x10 == 0 || desc&0x07 != 0 { // not the start of partition 0
		return 0, false
	}
	i := 1
	if desc&0x80 != 0 { // extended control bits
		if len(payload) < 2 {
			return 0, false
		}
		x := payload[1]
		i = 2
		if x&0x80 != 0 { // picture id, 7 or 15 bits
			if len(payload) <= i {
				return 0, false
			}
			if payload[i]&0x80 != 0 {
				i++
			}
			i++
		}
		if x&0x40 != 0 { // TL0PICIDX
			i++
		}
		if x&0x30 != 0 { // TID / KEYIDX
			i++
		}
	}
	f := payload[min(i, len(payload)):]
	if len(f) < 10 || f[0]&0x01 != 0 || f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a {
		return 0, false
	}
	return int(f[6]) | int(f[7]&0x3f)<<8, true
}

// A layer nobody on a node receives does not cross to it: bob, alone on the
// other node, receives ada's three-layer camera at the top layer, then asks for
// the low one; that node's dynacast turns the two upper layers off at the
// bridge, which pauses their streams at the source, and the host's output (all
// of it to the relay) falls to about the low layer's rate. When bob asks for
// the top layer again, it crosses again and he receives it.
func TestClusterCascadeRelaysOnlyTheLayersNeededThere(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	urls, _ := startCascadeNodes(t, 2, 1)
	const room = "cascade-layers-needed"
	publishSimulcast(t, ctx, urls[0], room, "ada")
	bob := watchKeyframes(t, ctx, urls[1], room, "bob", nil)
	waitFor(t, 60*time.Second, "bob receiving ada's camera at 1280 pixels wide", func() bool {
		return bob.lastWidth.Load() == 1280 && bob.packetsSinceKey.Load() >= 30
	})
	// hostRate is the host's RTP output over two seconds, in bytes a second:
	// everything it sends goes to the relay (ada subscribes to nothing).
	hostRate := func() float64 {
		before := rtpBytesOut(t, urls[0])
		start := time.Now()
		time.Sleep(2 * time.Second)
		return float64(rtpBytesOut(t, urls[0])-before) / time.Since(start).Seconds()
	}
	all := hostRate()

	low := vocab.QualityLow
	sid := bob.track.Load().TrackSID
	if err := bob.client.UpdateSubscription(ctx, sid, client.SubscriptionSettings{Quality: &low}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "bob receiving the low layer", func() bool {
		return bob.lastWidth.Load() == 320 && bob.packetsSinceKey.Load() >= 30
	})
	var lowOnly float64
	waitFor(t, 30*time.Second, "the host sending less than a third of what it sent with every layer crossing", func() bool {
		lowOnly = hostRate()
		return lowOnly < all/3
	})
	t.Logf("host output: %.0f kbit/s with every layer crossing, %.0f kbit/s with the low one only", all*8/1000, lowOnly*8/1000)

	high := vocab.QualityHigh
	if err := bob.client.UpdateSubscription(ctx, sid, client.SubscriptionSettings{Quality: &high}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "bob receiving the top layer again", func() bool {
		return bob.lastWidth.Load() == 1280 && bob.packetsSinceKey.Load() >= 30
	})
}

// rtpBytesOut reads the node's ensemble_sfu_rtp_bytes_total{direction="out"}.
func rtpBytesOut(t *testing.T, baseURL string) int64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^ensemble_sfu_rtp_bytes_total\{direction="out"\} (\S+)`).FindStringSubmatch(metricsText(t, baseURL))
	if m == nil {
		t.Fatal("no ensemble_sfu_rtp_bytes_total{direction=\"out\"} in /metrics")
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return int64(v)
}
