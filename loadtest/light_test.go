package loadtest

import (
	"context"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// A light subscriber and a full one receive the same simulcast publisher from a
// real server in the same run: the server's estimator runs on the light
// subscriber's own TWCC feedback and gives it the top layer, and its loss,
// jitter, freezes and bitrate — read from the RTP headers only — match what the
// full subscriber measures by decrypting every packet.
func TestLightSubscriberMatchesFull(t *testing.T) {
	srv, cfg := startServer(t)
	cfg.Publishers, cfg.Subscribers, cfg.Simulcast = 1, 2, true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	r := newTestRunner(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	pub := r.newParticipant(0, true)
	full := r.newParticipant(0, false)
	light := r.newParticipant(0, false)
	light.light = true
	for _, p := range []*participant{pub, full, light} {
		if err := p.join(ctx, r); err != nil {
			t.Fatal(err)
		}
		defer p.stop()
	}

	// Both subscribers on the top layer, with an estimate from TWCC feedback.
	defer func() {
		if t.Failed() {
			t.Logf("bandwidth: %+v", srv.Engine.BandwidthStats())
			t.Logf("light receiver: media %d malformed %d unknown %d, writer bound %v", light.recv.media.Load(),
				light.recv.malformed.Load(), light.recv.unknown.Load(), light.recv.writer.Load() != nil)
			t.Logf("light streams: %d twcc id %d held %d", light.streamCount(), light.recv.twccID.Load(), light.recv.recorder.PacketsHeld())
		}
	}()
	waitFor(t, "both subscribers on the top layer, estimated from TWCC", func() bool {
		return onTopLayer(srv.Engine.BandwidthStats(), full.identity) && onTopLayer(srv.Engine.BandwidthStats(), light.identity) &&
			receivingVideo(full) && receivingVideo(light)
	})
	lightVideo, fullVideo := videoStream(t, light), videoStream(t, full)
	now := time.Now()
	l0, f0 := lightVideo.Snapshot(now), fullVideo.Snapshot(now)
	const window = 400 // packets of the top layer
	waitFor(t, "400 more packets at the light subscriber", func() bool {
		return lightVideo.Snapshot(time.Now()).Received >= l0.Received+window
	})
	if !onTopLayer(srv.Engine.BandwidthStats(), light.identity) {
		t.Errorf("light subscriber left the top layer: %+v", srv.Engine.BandwidthStats())
	}
	now = time.Now()
	l1, f1 := lightVideo.Snapshot(now), fullVideo.Snapshot(now)
	lw, fw := windowOf(l0, l1), windowOf(f0, f1)
	t.Logf("light: %+v, freezes %d, jitter %.2f ms", lw, l1.Freezes, l1.JitterMS)
	t.Logf("full:  %+v, freezes %d, jitter %.2f ms", fw, f1.Freezes, f1.JitterMS)

	if lw.lossPct > 1 || fw.lossPct > 1 {
		t.Errorf("loss light %.2f%% full %.2f%%, want both ≤ 1%% on loopback", lw.lossPct, fw.lossPct)
	}
	if d := l1.Freezes - f1.Freezes; d < -1 || d > 1 {
		t.Errorf("freezes light %d full %d, want within one of each other", l1.Freezes, f1.Freezes)
	}
	if math.Abs(l1.JitterMS-f1.JitterMS) > max(2, f1.JitterMS/2) {
		t.Errorf("jitter light %.2f ms full %.2f ms, want within max(2 ms, half)", l1.JitterMS, f1.JitterMS)
	}
	if ratio := lw.kbps / fw.kbps; ratio < 0.85 || ratio > 1.15 {
		t.Errorf("bitrate light %.0f kbit/s full %.0f kbit/s (ratio %.2f), want within 15%%", lw.kbps, fw.kbps, ratio)
	}
	if len(l1.DelaysMS) == 0 {
		t.Error("light subscriber measured no end-to-end delay: abs-capture-time not read")
	}
	if light.recv.malformed.Load() != 0 {
		t.Errorf("%d SRTP datagrams did not parse", light.recv.malformed.Load())
	}
	if d, ok := light.joinTime(); !ok || d <= 0 {
		t.Errorf("light subscriber join time %v %v", d, ok)
	}
}

// mediaWindow is what a stream received between two snapshots.
type mediaWindow struct {
	packets uint64
	lossPct float64
	kbps    float64
}

func windowOf(a, b StreamSnapshot) mediaWindow {
	w := mediaWindow{packets: b.Received - a.Received}
	if exp := b.Expected - a.Expected; exp > 0 && exp > w.packets {
		w.lossPct = float64(exp-w.packets) / float64(exp) * 100
	}
	if d := (b.Duration - a.Duration).Seconds(); d > 0 {
		w.kbps = float64(b.Bytes-a.Bytes) * 8 / 1000 / d
	}
	return w
}

func onTopLayer(stats []sfu.SubscriberBandwidth, identity string) bool {
	for _, s := range stats {
		if s.Identity != identity || !strings.HasPrefix(s.Source, "twcc") {
			continue
		}
		for _, tr := range s.Tracks {
			if tr.Quality == vocab.QualityHigh && !tr.Paused {
				return true
			}
		}
	}
	return false
}

// receivingVideo reports whether p has a video stream with packets.
func receivingVideo(p *participant) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.streams {
		if s.video && s.Snapshot(time.Now()).Received > 0 {
			return true
		}
	}
	return false
}

func videoStream(t *testing.T, p *participant) *StreamStats {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.streams {
		if s.video {
			return s
		}
	}
	t.Fatalf("%s has no video stream", p.identity)
	return nil
}

func newTestRunner(t *testing.T, cfg Config) *runner {
	t.Helper()
	m, err := loadMedia()
	if err != nil {
		t.Fatal(err)
	}
	n, err := newBigBufferNet()
	if err != nil {
		t.Fatal(err)
	}
	// The tests make light participants whatever cfg says.
	light, err := newLightRun(slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(light.close)
	return &runner{cfg: cfg, media: m, net: n, light: light, log: slog.Default()}
}

// waitFor polls cond until it holds, failing the test after a generous bound.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
