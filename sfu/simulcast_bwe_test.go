package sfu

import (
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu/internal/netsim"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// checkClean fails on any layer change off a key frame, any picture ID jump
// and (on an unlimited link) any sequence gap.
func checkClean(t *testing.T, what string, w *layerWatch, allowMissing bool) {
	t.Helper()
	missing, bad, jumps, received := w.snapshot()
	if bad > 0 {
		w.mu.Lock()
		detail := strings.Join(w.badDetail, "; ")
		w.mu.Unlock()
		t.Errorf("%s: %d layer changes did not start on a key frame: %s", what, bad, detail)
	}
	if jumps > 0 {
		t.Errorf("%s: %d picture ID jumps", what, jumps)
	}
	if missing > 0 && !allowMissing {
		t.Errorf("%s: %d sequence numbers missing of %d received", what, missing, received)
	}
}

// Point 1: a subscriber asking low gets the low layer; asking high, it is
// switched up at a key frame with no gap in sequence numbers or picture IDs.
func TestSimulcastRequestedLayerSwitchesAtKeyframe(t *testing.T) {
	e := newTestEngine(t)
	_, b, sp, w := onHighLayer(t, e, "requested")

	if err := b.p.UpdateSubscription(sp.info.SID, SubscriptionSettings{Width: 320, Height: 180}); err != nil {
		t.Fatal(err)
	}
	down := waitLayer(t, w, 0, testTimeout)
	b.waitLayerEvent(sp.info.SID, "low 320x180 requested", func(ev SubscriptionLayer) bool {
		return ev.Quality == vocab.QualityLow && ev.Reason == vocab.LayerRequested && ev.Width == 320
	})
	if err := b.p.UpdateSubscription(sp.info.SID, SubscriptionSettings{Quality: new(vocab.QualityHigh)}); err != nil {
		t.Fatal(err)
	}
	up := waitLayer(t, w, 2, rampTimeout)
	time.Sleep(300 * time.Millisecond)
	checkClean(t, "low then high", w, false)
	b.waitLayerEvent(sp.info.SID, "high requested", func(ev SubscriptionLayer) bool {
		return ev.Quality == vocab.QualityHigh && ev.Reason == vocab.LayerRequested
	})
	t.Logf("switch down took %v, up %v", down, up)
}

// Point 2: a subscriber whose link is capped below the high layer is moved
// down, and back up once the cap is lifted, with little loss. Two cycles; the
// figures of each are logged (BENCHMARKS.md, "Simulcast and bandwidth estimation").
func TestSimulcastFollowsBandwidthCap(t *testing.T) {
	e := newTestEngine(t)
	traceBandwidth(t, e)
	room, _ := e.GetOrCreateRoom("capped")
	a := joinClient(t, room, "alice")
	link := netsim.NewLink(0)
	b := joinClientAPI(t, room, "bob", newShapedClientAPI(t, link))
	watches := b.watchLayers()
	sp := a.publishSimulcastRated("cam", vocab.SourceCamera)
	a.negotiatePublisher(false)
	w := b.watch(watches, sp.info.SID)
	waitLayer(t, w, 2, rampTimeout)
	time.Sleep(time.Second)

	for cycle := 1; cycle <= 2; cycle++ {
		_, dropped0, _ := link.Stats()
		_, _, _, received0 := w.snapshot()
		link.SetRate(550_000) // below the high layer (800 kbit/s), above medium (300)
		down := waitLower(t, w, 2, reactTimeout)
		_, dropped1, _ := link.Stats()
		b.waitLayerEvent(sp.info.SID, "lowered for bandwidth", func(ev SubscriptionLayer) bool {
			return ev.Quality != vocab.QualityHigh && ev.Reason == vocab.LayerBandwidth
		})
		time.Sleep(time.Second)
		link.SetRate(0)
		up := waitLayer(t, w, 2, reactTimeout)
		_, dropped2, _ := link.Stats()
		time.Sleep(300 * time.Millisecond)
		missing, _, _, received := w.snapshot()
		// Probing padding is never retransmitted: a probe that overflows
		// the capped link leaves holes that are not lost media. The padding
		// the server sent and the subscriber never got is taken off.
		_, downs := b.p.mediaStats()
		_, paddingReceived := w.counts()
		lostPadding := max(0, int(downs[0].PaddingPackets)-paddingReceived)
		mediaMissing := max(0, missing-lostPadding)
		t.Logf("cycle %d: cap 800->550 kbit/s: lower layer after %v, %d packets dropped by the link until then; "+
			"cap lifted: high layer again after %v (%d dropped); %d packets never repaired (%d of them at most media, "+
			"%d padding lost) of %d received in the test, %d in the cycle",
			cycle, down.Round(time.Millisecond), dropped1-dropped0, up.Round(time.Millisecond), dropped2-dropped1,
			missing, mediaMissing, lostPadding, received, received-received0)
		if received > 0 && float64(mediaMissing)/float64(received) > 0.05 {
			t.Errorf("%d of %d media packets missing after the transitions", mediaMissing, received)
		}
		time.Sleep(500 * time.Millisecond)
	}
	checkClean(t, "down and up", w, true)
}

// A subscriber whose estimate falls below the lowest layer has its video
// paused, so it receives nothing and sends no feedback; only a probe's
// padding, on the paused track, can show that its link recovered. The video
// must come back (it stayed paused for good when probes needed fresh feedback
// and padding needed a forwarded track).
//
// The estimate is put below the lowest layer by the engine's test ceiling:
// driving it there with a shaped link depends on how fast the estimator reacts
// to heavy loss, which varies from run to run. Everything after is real: the
// padding, the feedback, the probe's verdict, the key frame.
func TestPausedVideoComesBackWithoutFeedback(t *testing.T) {
	e := newTestEngine(t)
	traceBandwidth(t, e)
	room, _ := e.GetOrCreateRoom("paused")
	a := joinClient(t, room, "alice")
	b := joinClient(t, room, "bob")
	watches := b.watchLayers()
	sp := a.publishSimulcastRated("cam", vocab.SourceCamera)
	a.negotiatePublisher(false)
	w := b.watch(watches, sp.info.SID)
	waitLayer(t, w, 2, rampTimeout)

	e.estimateCeiling.Store(60_000) // below the low layer (100 kbit/s)
	b.waitLayerEvent(sp.info.SID, "paused for bandwidth", func(ev SubscriptionLayer) bool {
		return ev.Paused && ev.Reason == vocab.LayerBandwidth
	})
	waitSource(t, e, "bob", "no-feedback")
	media0, padding0 := w.counts()
	lifted := time.Now()
	e.estimateCeiling.Store(0)
	b.waitLayerEvent(sp.info.SID, "resumed", func(ev SubscriptionLayer) bool { return !ev.Paused })
	// Two seconds of video (the high layer is 4 packets a frame at 30 frames
	// a second) on the high layer.
	deadline := time.Now().Add(reactTimeout)
	for {
		media, _ := w.counts()
		if media-media0 >= 240 && w.current() == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("video not back on the high layer within %v: %d media packets since, layer %d", reactTimeout, media-media0, w.current())
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, padding := w.counts()
	t.Logf("video back on the high layer %v after the ceiling was lifted; %d padding packets of the probe on the paused track",
		time.Since(lifted).Round(time.Millisecond), padding-padding0)
	if padding == padding0 {
		t.Error("no padding reached the subscriber while its video was paused: what brought the feedback back?")
	}
	checkClean(t, "paused and back", w, false)
}

// waitSource waits until identity's estimate comes from source.
func waitSource(t *testing.T, e *Engine, identity, source string) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		for _, b := range e.BandwidthStats() {
			if b.Identity == identity && b.Source == source {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s's estimate never came from %s", identity, source)
}

// Point 3: two subscribers with different links get different layers of the
// same publisher at once.
func TestSimulcastLayerPerSubscriber(t *testing.T) {
	e := newTestEngine(t)
	traceBandwidth(t, e)
	room, _ := e.GetOrCreateRoom("two-links")
	a := joinClient(t, room, "alice")
	fast := joinClient(t, room, "fast")
	link := netsim.NewLink(0)
	slow := joinClientAPI(t, room, "slow", newShapedClientAPI(t, link))
	wf, ws := fast.watchLayers(), slow.watchLayers()
	sp := a.publishSimulcastRated("cam", vocab.SourceCamera)
	a.negotiatePublisher(false)
	fw, sw := fast.watch(wf, sp.info.SID), slow.watch(ws, sp.info.SID)
	waitLayer(t, sw, 2, rampTimeout)
	link.SetRate(500_000) // medium fits, high does not
	waitLower(t, sw, 2, reactTimeout)
	if got := fw.current(); got != 2 {
		t.Errorf("the subscriber with a fast link gets layer %d, want 2", got)
	}
	checkClean(t, "fast", fw, false)
	checkClean(t, "slow", sw, true)
}

// Point 4: a layer nobody needs is stopped at the publisher, and started
// again when a subscriber asks for it.
func TestDynacastStopsAndRestartsLayers(t *testing.T) {
	e := newTestEngine(t)
	a, b, sp, w := onHighLayer(t, e, "dynacast")

	if err := b.p.UpdateSubscription(sp.info.SID, SubscriptionSettings{Quality: new(vocab.QualityLow)}); err != nil {
		t.Fatal(err)
	}
	a.waitEvent("high layer disabled", isEvent(func(ev PublisherLayers) bool {
		return ev.TrackSID == sp.info.SID && len(ev.Layers) == 3 && ev.Layers[0].Enabled && !ev.Layers[1].Enabled && !ev.Layers[2].Enabled
	}))
	time.Sleep(300 * time.Millisecond)
	stopped := sp.sent[2].Load()
	time.Sleep(500 * time.Millisecond)
	if n := sp.sent[2].Load(); n != stopped {
		t.Errorf("the publisher sent %d high-layer packets after it was disabled", n-stopped)
	}
	if err := b.p.UpdateSubscription(sp.info.SID, SubscriptionSettings{Quality: new(vocab.QualityHigh)}); err != nil {
		t.Fatal(err)
	}
	a.waitEvent("high layer enabled again", isEvent(func(ev PublisherLayers) bool {
		return ev.TrackSID == sp.info.SID && len(ev.Layers) == 3 && ev.Layers[2].Enabled
	}))
	took := waitLayer(t, w, 2, rampTimeout)
	t.Logf("high layer back at the subscriber %v after it asked", took)
	checkClean(t, "dynacast", w, false)
}

// Point 5: on a link too small for everything, the screen share keeps its
// full quality and the camera is lowered.
func TestAllocatorKeepsScreenShare(t *testing.T) {
	e := newTestEngine(t)
	traceBandwidth(t, e)
	room, _ := e.GetOrCreateRoom("priorities")
	a := joinClient(t, room, "alice")
	c := joinClient(t, room, "carol")
	link := netsim.NewLink(0)
	b := joinClientAPI(t, room, "bob", newShapedClientAPI(t, link))
	watches := b.watchLayers()
	screen := a.publishSimulcastRated("screen", vocab.SourceScreenShare)
	a.negotiatePublisher(false)
	cam := c.publishSimulcastRated("cam", vocab.SourceCamera)
	c.negotiatePublisher(false)
	sw, cw := b.watch(watches, screen.info.SID), b.watch(watches, cam.info.SID)
	waitLayer(t, sw, 2, rampTimeout)
	time.Sleep(time.Second)
	// This test is about the allocator's priorities, not about the estimator
	// on a starved machine: the link is capped once the process is no longer
	// starved of CPU (the previous test's teardown, under -race, can starve it
	// for a second or two; the estimator then holds its estimate while the
	// capped link's queue grows, and its recovery can outlast the wait below).
	waitNotStarved(t, e)

	// Both high need 1.75 Mbit/s with headers and key frames; screen high and
	// camera low fit with room for the probe toward screen high (about 1.57
	// Mbit/s from an estimate fallen to 0.8 after the cap's queue: at 1.4 that
	// probe queued and failed every time, and the screen share could stay on
	// medium for good; see BENCHMARKS.md, the estimator's known weakness).
	link.SetRate(1_600_000)
	// Wait for 1 s (in 100 ms samples) of screen at full quality and camera
	// lower: the camera may still move between low and medium meanwhile.
	deadline := time.Now().Add(12 * time.Second)
	settled := 0
	for settled < 10 && time.Now().Before(deadline) {
		if sw.current() == 2 && cw.current() >= 0 && cw.current() < 2 {
			settled++
		}
		time.Sleep(100 * time.Millisecond)
	}
	if settled < 10 {
		t.Fatalf("with the link capped: screen share at layer %d, camera at %d; want 2 and below 2", sw.current(), cw.current())
	}
	b.waitLayerEvent(cam.info.SID, "camera lowered for bandwidth", func(ev SubscriptionLayer) bool {
		return ev.Reason == vocab.LayerBandwidth && ev.Quality != vocab.QualityHigh
	})
	checkClean(t, "screen", sw, true)
	checkClean(t, "camera", cw, true)
	for _, b := range e.BandwidthStats() {
		if b.Identity == "bob" {
			t.Logf("bob: estimate %d bit/s (%s), sending %d, layers %+v", b.EstimateBps, b.Source, b.SendingBps, b.Tracks)
		}
	}
}

// A recorder is never held back by its bandwidth estimate: behind a link capped
// below the high layer, where a participant is moved down (the test above), it
// keeps the high layer it asked for. Nor is the SIP bridge's participant, which
// runs beside the server and sends a room system one camera.
func TestRecorderKeepsTheLayerItAsksFor(t *testing.T) {
	for _, kind := range []vocab.ParticipantKind{vocab.ParticipantRecorder, vocab.ParticipantSIP} {
		t.Run(string(kind), func(t *testing.T) { testKeepsTheLayerItAsksFor(t, kind) })
	}
}

func testKeepsTheLayerItAsksFor(t *testing.T, kind vocab.ParticipantKind) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("recorded-capped")
	a := joinClient(t, room, "alice")
	link := netsim.NewLink(0)
	rec := joinClientAPI(t, room, "rec", newShapedClientAPI(t, link), func(p *JoinParams) {
		p.Kind = kind
		p.Permissions = vocab.Permissions{CanSubscribe: true}
	})
	watches := rec.watchLayers()
	sp := a.publishSimulcastRated("cam", vocab.SourceCamera)
	a.negotiatePublisher(false)
	w := rec.watch(watches, sp.info.SID)
	waitLayer(t, w, 2, rampTimeout)
	link.SetRate(550_000) // below the high layer (800 kbit/s), above medium (300)
	// Wait for the recorder's estimate to fall under the high layer's rate,
	// where bob in the test above is moved down, then give the allocator
	// (every 200 ms) several rounds to act on it.
	deadline := time.Now().Add(reactTimeout)
	for estimate(e, "rec") >= 800_000 {
		if time.Now().After(deadline) {
			t.Fatalf("the %s's estimate stayed at %d bit/s behind a 550 kbit/s link", kind, estimate(e, "rec"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(5 * allocEvery)
	if l := w.current(); l != 2 {
		t.Fatalf("the %s was moved to layer %d under a capped link", kind, l)
	}
	for _, ev := range rec.log.all() {
		if sl, ok := ev.(SubscriptionLayer); ok && sl.Reason == vocab.LayerBandwidth && sl.Quality != vocab.QualityHigh {
			t.Fatalf("the %s was told its layer is lowered for bandwidth: %+v", kind, sl)
		}
	}
}

// estimate is a subscriber's bandwidth estimate, by identity (more than any
// rate while it has none yet).
func estimate(e *Engine, identity string) int {
	for _, b := range e.BandwidthStats() {
		if b.Identity == identity {
			return b.EstimateBps
		}
	}
	return 1 << 40
}
