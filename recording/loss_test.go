package recording_test

import (
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/recording"
	"github.com/ensemble-sfu/ensemble/recording/compose"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
	"github.com/pion/rtp"
)

// With 5 % of the packets to the recorder lost (for one second for good),
// every file still decodes without error: lost video frames are replaced by
// waiting for a key frame, lost audio by silence. The files composed into a
// grid make an MP4 that decodes cleanly too.
func TestRecorderSurvivesPacketLoss(t *testing.T) {
	r := newRoom(t, "lossy")
	dir := t.TempDir()
	n, err := clienttest.NewNetwork()
	if err != nil {
		t.Fatal(err)
	}
	// 5 % of the packets are lost, and 5 % of their retransmissions. For one
	// second in the middle a lost packet stays lost (its retransmissions, same
	// SSRC and sequence number, are lost too), so the recorder must do without
	// it: wait for a key frame, fill the audio with silence.
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	lost := map[[2]uint32]bool{}
	var burst atomic.Bool
	n.DropIncomingRTP(func(h *rtp.Header) bool {
		mu.Lock()
		defer mu.Unlock()
		k := [2]uint32{h.SSRC, uint32(h.SequenceNumber)}
		if lost[k] {
			return true
		}
		drop := rng.Float64() < 0.05
		if drop && burst.Load() {
			lost[k] = true
		}
		return drop
	})
	rec, err := recording.Start(r.ctx, recording.Config{URL: r.srv.URL,
		Token: r.srv.TokenWith(recording.TokenParams(r.name, "recorder")), Dir: dir,
		ClientOptions: []client.Option{client.WithNet(n)}, Layout: recording.LayoutGrid, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := r.join("alice")
	var layers []*clip.Clip
	for _, b := range clips.VP8Layers() {
		layers = append(layers, parse(t, clip.ParseIVF, b))
	}
	cam := r.publish(alice, client.TrackOptions{Source: vocab.SourceCamera, Width: 1280, Height: 720,
		Layers: []vocab.LayerInfo{{Width: 320, Height: 180}, {Width: 640, Height: 360}, {Width: 1280, Height: 720}}})
	mic := r.publish(alice, client.TrackOptions{Source: vocab.SourceMicrophone})
	r.run(func() { _ = clienttest.PlayClip(r.ctx, cam, layers...) })
	r.run(func() { _ = clienttest.PlayClip(r.ctx, mic, parse(t, clip.ParseOgg, clips.Opus)) })
	r.wait(3 * time.Second)
	burst.Store(true)
	r.wait(time.Second)
	burst.Store(false)
	burstEnd := time.Now()
	r.wait(4 * time.Second)
	m, err := rec.Stop(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	r.stop()
	if n.Dropped() == 0 {
		t.Error("the network lost nothing")
	}
	kinds := map[vocab.Kind]bool{}
	ends := map[vocab.Kind]time.Duration{}
	for _, f := range m.Files {
		t.Logf("%s: start %v duration %v %d bytes %dx%d", f.Path, f.StartOffset, f.Duration, f.Bytes, f.Width, f.Height)
		kinds[f.Kind] = true
		ends[f.Kind] = max(ends[f.Kind], f.StartOffset+f.Duration)
		if e := decodeErrors(t, filepath.Join(dir, f.Path)); e != "" {
			t.Errorf("%s: ffmpeg decoding: %s", f.Path, strings.TrimSpace(e))
		}
	}
	if !kinds[vocab.KindAudio] || !kinds[vocab.KindVideo] {
		t.Errorf("files %+v", m.Files)
	}
	// Both went on after the burst: the video got a key frame again.
	for kind, end := range ends {
		if after := burstEnd.Sub(m.StartedAt) + time.Second; end < after {
			t.Errorf("the %s ends at %v, before %v: it did not resume after the burst", kind, end, after)
		}
	}
	if m.Composite == nil || m.Composite.Path != "composite.mp4" || m.CompositeError != "" {
		t.Fatalf("composite %+v, error %q", m.Composite, m.CompositeError)
	}
	path := filepath.Join(dir, m.Composite.Path)
	p := ffprobe2(t, path)
	if len(p) != 2 || p[0] != "h264" || p[1] != "aac" {
		t.Errorf("composite streams %v", p)
	}
	if e := decodeErrors(t, path); e != "" {
		t.Errorf("composite: ffmpeg decoding: %s", strings.TrimSpace(e))
	}
}

// A recorder asked to compose where ffmpeg is missing says so in Stop's error
// and in the manifest, and keeps the per-track files.
func TestRecorderSaysWhenFFmpegIsMissing(t *testing.T) {
	r := newRoom(t, "noffmpeg")
	dir := t.TempDir()
	rec, err := recording.Start(r.ctx, recording.Config{URL: r.srv.URL,
		Token: r.srv.TokenWith(recording.TokenParams(r.name, "recorder")), Dir: dir,
		Layout: recording.LayoutAudioOnly, FFmpeg: "ensemble-no-such-ffmpeg", Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := r.join("alice")
	mic := r.publish(alice, client.TrackOptions{Source: vocab.SourceMicrophone})
	r.run(func() { _ = clienttest.PlayClip(r.ctx, mic, parse(t, clip.ParseOgg, clips.Opus)) })
	r.wait(2 * time.Second)
	m, err := rec.Stop(r.ctx)
	r.stop()
	if !errors.Is(err, compose.ErrNoFFmpeg) {
		t.Fatalf("Stop: %v, want compose.ErrNoFFmpeg", err)
	}
	onDisk, err := recording.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if onDisk.Composite != nil || !strings.Contains(onDisk.CompositeError, "ffmpeg not found") || len(onDisk.Files) != 1 || len(m.Files) != 1 {
		t.Errorf("manifest %+v", onDisk)
	}
}
