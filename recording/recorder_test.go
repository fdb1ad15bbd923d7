package recording_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/at-wat/ebml-go/mkvcore"
	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/recording"
	"github.com/ensemble-sfu/ensemble/recording/compose"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// room is a recorded room: a server, the recorder, and what its publishers do.
type room struct {
	t    *testing.T
	ctx  context.Context
	srv  *servertest.Server
	name string
	wg   sync.WaitGroup
	stop context.CancelFunc
}

func newRoom(t *testing.T, name string) *room {
	requireTool(t, "ffmpeg")
	requireTool(t, "ffprobe")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	r := &room{t: t, ctx: ctx, srv: servertest.Start(t), name: name}
	play, stop := context.WithCancel(ctx)
	r.stop = stop
	r.ctx = play
	t.Cleanup(func() { stop(); r.wg.Wait() })
	return r
}

// join joins a publisher through its own Network.
func (r *room) join(identity string) (*client.Client, *clienttest.Network) {
	r.t.Helper()
	n, err := clienttest.NewNetwork()
	if err != nil {
		r.t.Fatal(err)
	}
	c, err := client.Join(r.ctx, r.srv.URL, r.srv.Token(r.name, identity), client.WithNet(n),
		client.WithLogger(testLogger(r.t)))
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { _ = c.Close() })
	return c, n
}

func (r *room) publish(c *client.Client, o client.TrackOptions) *client.LocalTrack {
	r.t.Helper()
	tr, err := c.PublishTrack(r.ctx, o)
	if err != nil {
		r.t.Fatal(err)
	}
	return tr
}

func (r *room) run(f func()) {
	r.wg.Add(1)
	go func() { defer r.wg.Done(); f() }()
}

// wait lets the scenario run for d (the recording's content is time).
func (r *room) wait(d time.Duration) {
	select {
	case <-time.After(d):
	case <-r.ctx.Done():
		r.t.Fatal("test timed out")
	}
}

func parse(t *testing.T, f func([]byte) (*clip.Clip, error), b []byte) *clip.Clip {
	t.Helper()
	c, err := f(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func h264Clip(b []byte) (*clip.Clip, error) { return clip.ParseH264(b, clips.H264FrameRate) }

// A recording of two participants (VP8 simulcast + Opus; H.264 + Opus) through
// a mute and a publisher whose network is cut and who resumes: every file decodes
// without error, has the codec and about the duration that was published, and
// the first frames of bob's audio and video lie on the recording's time line
// where bob sent them.
func TestRecorderWritesEveryTrackInSync(t *testing.T) {
	r := newRoom(t, "rec")
	dir := t.TempDir()
	rec, err := recording.Start(r.ctx, recording.Config{URL: r.srv.URL,
		Token: r.srv.TokenWith(recording.TokenParams(r.name, "recorder")), Dir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_, _ = rec.Stop(r.ctx)
		}
	})

	vp8 := [][]byte{clips.VP8Low, clips.VP8Medium, clips.VP8High}
	var layers []*clip.Clip
	for _, b := range vp8 {
		layers = append(layers, parse(t, clip.ParseIVF, b))
	}
	opus := parse(t, clip.ParseOgg, clips.Opus)
	h264 := parse(t, h264Clip, clips.H264)

	alice, aliceNet := r.join("alice")
	cam := r.publish(alice, client.TrackOptions{Source: vocab.SourceCamera, Width: 1280, Height: 720,
		Layers: []vocab.LayerInfo{{Width: 320, Height: 180}, {Width: 640, Height: 360}, {Width: 1280, Height: 720}}})
	mic := r.publish(alice, client.TrackOptions{Source: vocab.SourceMicrophone})
	r.run(func() { _ = clienttest.PlayClip(r.ctx, cam, layers...) })
	r.run(func() { _ = clienttest.PlayClip(r.ctx, mic, opus) })

	bob, _ := r.join("bob")
	bobCam := r.publish(bob, client.TrackOptions{Source: vocab.SourceCamera, MimeType: webrtc.MimeTypeH264,
		Width: h264.Width, Height: h264.Height})
	bobMic := r.publish(bob, client.TrackOptions{Source: vocab.SourceMicrophone})
	var bobVideo, bobAudio sendLog
	r.run(func() { bobVideo.play(r.ctx, bobCam, h264) })
	r.run(func() { bobAudio.play(r.ctx, bobMic, opus) })

	r.wait(3 * time.Second)
	for _, p := range bob.Others() {
		if p.Identity == "recorder" {
			t.Errorf("bob sees the recorder: %+v", p)
		}
	}
	if err := mic.Mute(r.ctx); err != nil {
		t.Fatal(err)
	}
	mutedAt := time.Now() // writes stop once Mute returned
	r.wait(1500 * time.Millisecond)
	if err := mic.Unmute(r.ctx); err != nil {
		t.Fatal(err)
	}
	unmutedAt := time.Now()
	r.wait(1500 * time.Millisecond)
	cutAt := time.Now()
	aliceNet.Cut(2 * time.Second) // alice's media and signalling lost; she resumes
	r.wait(5 * time.Second)
	m, err := rec.Stop(r.ctx)
	stopped = true
	if err != nil {
		t.Fatal(err)
	}
	r.stop()

	if m.Room != r.name || !m.EndedAt.After(m.StartedAt) {
		t.Errorf("manifest %+v", m)
	}
	if got, err := recording.ReadManifest(dir); err != nil || len(got.Files) != len(m.Files) {
		t.Fatalf("manifest on disk: %+v, %v", got, err)
	}
	length := m.EndedAt.Sub(m.StartedAt)
	seen := map[string]bool{}
	for i, f := range m.Files {
		t.Logf("%s: %s %s %s start %v duration %v %d bytes %dx%d sync %s", f.Path, f.ParticipantIdentity, f.Source,
			f.Codec, f.StartOffset, f.Duration, f.Bytes, f.Width, f.Height, f.Sync)
		seen[f.ParticipantIdentity+"/"+string(f.Source)] = true
		path := filepath.Join(dir, f.Path)
		if st, err := os.Stat(path); err != nil || st.Size() != f.Bytes || f.Bytes == 0 {
			t.Errorf("%s: %v, manifest says %d bytes", f.Path, err, f.Bytes)
			continue
		}
		if f.Sync != recording.SyncSenderReport {
			t.Errorf("%s: start offset from %s, want the sender report", f.Path, f.Sync)
		}
		p := ffprobe(t, path)
		if want := map[string]string{webrtc.MimeTypeVP8: "vp8", webrtc.MimeTypeH264: "h264",
			webrtc.MimeTypeOpus: "opus"}[f.Codec]; p.Codec != want {
			t.Errorf("%s: ffprobe codec %s, want %s", f.Path, p.Codec, want)
		}
		if d := p.Duration - f.Duration; d > 500*time.Millisecond || d < -500*time.Millisecond {
			t.Errorf("%s: ffprobe duration %v, manifest %v", f.Path, p.Duration, f.Duration)
		}
		// Published: from the file's first frame to its end, which is the next
		// file of the track or the end of the recording.
		end := length
		for _, g := range m.Files[i+1:] {
			if g.TrackSID == f.TrackSID {
				end = g.StartOffset
				if cut := cutAt.Sub(m.StartedAt); f.ParticipantIdentity == "alice" && cut > f.StartOffset && cut < end {
					end = cut // alice's media stopped there
				}
				break
			}
		}
		if want, d := end-f.StartOffset, p.Duration-(end-f.StartOffset); d > 500*time.Millisecond || d < -500*time.Millisecond {
			t.Errorf("%s: ffprobe duration %v, published %v", f.Path, p.Duration, want)
		}
		if e := decodeErrors(t, path); e != "" {
			t.Errorf("%s: ffmpeg decoding: %s", f.Path, e)
		}
	}
	for _, want := range []string{"alice/camera", "alice/microphone", "bob/camera", "bob/microphone"} {
		if !seen[want] {
			t.Errorf("no file of %s", want)
		}
	}

	// The mute and the cut are silences in alice's Ogg, where and as long as
	// they were (the cut: at least its 2 s; resuming takes longer).
	for _, f := range m.Files {
		if f.ParticipantIdentity != "alice" || f.Kind != vocab.KindAudio {
			continue
		}
		runs := silences(t, filepath.Join(dir, f.Path))
		mute, want := mutedAt.Sub(m.StartedAt)-f.StartOffset, unmutedAt.Sub(mutedAt)
		from, length := silenceNear(runs, mute)
		t.Logf("%s: silence from %v for %v; muted at %v for %v", f.Path, from, length, mute, want)
		if d := from - mute; d > 250*time.Millisecond || d < -250*time.Millisecond {
			t.Errorf("%s: the silence starts at %v, the mute at %v", f.Path, from, mute)
		}
		if d := length - want; d > 250*time.Millisecond || d < -250*time.Millisecond {
			t.Errorf("%s: the silence lasts %v, the mute %v", f.Path, length, want)
		}
		cut := cutAt.Sub(m.StartedAt) - f.StartOffset
		from, length = silenceNear(runs, cut)
		t.Logf("%s: silence from %v for %v; cut at %v", f.Path, from, length, cut)
		if d := from - cut; d > 300*time.Millisecond || d < -300*time.Millisecond || length < 1800*time.Millisecond {
			t.Errorf("%s: silence from %v for %v, but the network was cut at %v for 2s", f.Path, from, length, cut)
		}
	}
	// The cut is a gap in alice's video, where it was; the video goes on after.
	var frames []time.Duration
	for _, f := range m.Files {
		if f.ParticipantIdentity == "alice" && f.Kind == vocab.KindVideo {
			for _, ts := range blockTimes(t, filepath.Join(dir, f.Path)) {
				frames = append(frames, f.StartOffset+ts)
			}
		}
	}
	var gapFrom, gap time.Duration
	for i := 1; i < len(frames); i++ {
		if d := frames[i] - frames[i-1]; d > gap {
			gapFrom, gap = frames[i-1], d
		}
	}
	cut := cutAt.Sub(m.StartedAt)
	t.Logf("alice's video: largest gap from %v for %v; cut at %v", gapFrom, gap, cut)
	if d := gapFrom - cut; d > 300*time.Millisecond || d < -300*time.Millisecond || gap < 1500*time.Millisecond {
		t.Errorf("alice's video: largest gap from %v for %v, but the network was cut at %v for 2s", gapFrom, gap, cut)
	}

	// Sync: each of bob's first files, held against when bob sent its frames.
	var video, audio time.Duration
	for _, f := range m.Files {
		if f.ParticipantIdentity != "bob" || video != 0 && f.Kind == vocab.KindVideo || audio != 0 && f.Kind == vocab.KindAudio {
			continue
		}
		path := filepath.Join(dir, f.Path)
		var data []byte
		var pos time.Duration
		var log *sendLog
		if f.Kind == vocab.KindVideo {
			data, log = firstVideoFrame(t, path), &bobVideo
		} else {
			data, pos = firstUniqueOpusFrame(t, path, opus)
			log = &bobAudio
		}
		recorded := m.StartedAt.Add(f.StartOffset + pos)
		sentAt, ok := log.lastSent(data, recorded.Add(time.Second))
		if !ok {
			t.Fatalf("%s: its frame at %v was never sent", f.Path, pos)
		}
		slip := recorded.Sub(sentAt)
		t.Logf("%s: frame at %v recorded %v after it was sent", f.Path, pos, slip)
		if f.Kind == vocab.KindVideo {
			video = slip
		} else {
			audio = slip
		}
	}
	if d := video - audio; d > 100*time.Millisecond || d < -100*time.Millisecond || video == 0 || audio == 0 {
		t.Errorf("bob's video lies %v and audio %v from when they were sent: out of sync", video, audio)
	}
}

// blockTimes lists the times of the blocks of a WebM/Matroska file.
func blockTimes(t *testing.T, path string) []time.Duration {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := mkvcore.NewSimpleBlockReader(bytes.NewReader(b))
	if err != nil || len(rs) != 1 {
		t.Fatalf("%s: %v", path, err)
	}
	defer rs[0].Close() // ends the reader's goroutines
	var times []time.Duration
	for {
		_, _, ts, err := rs[0].Read()
		if errors.Is(err, io.EOF) {
			return times
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		times = append(times, time.Duration(ts)*time.Millisecond)
	}
}

// silences lists the runs of the recorder's silent Opus frames in an Ogg file:
// where each starts and how long it lasts.
func silences(t *testing.T, path string) (runs [][2]time.Duration) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := clip.ParseOgg(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var pos time.Duration
	silent := false
	for _, f := range c.Frames {
		switch {
		case string(f.Data) != "\xf8\xff\xfe":
			silent = false
		case silent:
			runs[len(runs)-1][1] += f.Duration
		default:
			silent = true
			runs = append(runs, [2]time.Duration{pos, f.Duration})
		}
		pos += f.Duration
	}
	return runs
}

// silenceNear finds the run of silence that starts nearest to at.
func silenceNear(runs [][2]time.Duration, at time.Duration) (from, length time.Duration) {
	best := time.Duration(1 << 62)
	for _, r := range runs {
		if d := (r[0] - at).Abs(); d < best {
			best, from, length = d, r[0], r[1]
		}
	}
	return from, length
}

// firstVideoFrame reads the first block of a WebM/Matroska file.
func firstVideoFrame(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := mkvcore.NewSimpleBlockReader(bytes.NewReader(b))
	if err != nil || len(rs) != 1 {
		t.Fatalf("%s: %v", path, err)
	}
	defer rs[0].Close() // ends the reader's goroutines
	data, key, _, err := rs[0].Read()
	if err != nil || !key {
		t.Fatalf("%s: first block key=%v: %v", path, key, err)
	}
	return data
}

// firstUniqueOpusFrame finds the first packet of an Ogg file that occurs once in
// the clip (so that when it was sent is known) and its position in the file.
func firstUniqueOpusFrame(t *testing.T, path string, c *clip.Clip) ([]byte, time.Duration) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	file, err := clip.ParseOgg(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var pos time.Duration
	for _, f := range file.Frames {
		n := 0
		for _, g := range c.Frames {
			if bytes.Equal(f.Data, g.Data) {
				n++
			}
		}
		if n == 1 {
			return f.Data, pos
		}
		pos += f.Duration
	}
	t.Fatalf("%s: no packet of the clip", path)
	return nil, 0
}

// With 5 % of the packets to the recorder lost at random for good, every file still decodes without error: lost video frames
// are replaced by waiting for a key frame, lost audio by silence. The files
// composed into a grid make an MP4 that decodes cleanly too.
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

// A publisher that leaves and joins again is a new participant with new
// tracks: its audio goes on in a new file, placed after the first.
func TestRecorderStartsNewFilesForAPublisherWhoRejoins(t *testing.T) {
	r := newRoom(t, "rejoin")
	dir := t.TempDir()
	rec, err := recording.Start(r.ctx, recording.Config{URL: r.srv.URL,
		Token: r.srv.TokenWith(recording.TokenParams(r.name, "recorder")), Dir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	opus := parse(t, clip.ParseOgg, clips.Opus)
	var left time.Time
	for round := range 2 {
		alice, _ := r.join("alice")
		mic := r.publish(alice, client.TrackOptions{Source: vocab.SourceMicrophone})
		ctx, stop := context.WithCancel(r.ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = clienttest.PlayClip(ctx, mic, opus) }()
		r.wait(2 * time.Second)
		stop()
		<-done
		if round == 0 {
			if err := alice.Leave(r.ctx); err != nil {
				t.Fatal(err)
			}
			left = time.Now()
			r.wait(500 * time.Millisecond)
		}
	}
	m, err := rec.Stop(r.ctx)
	r.stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 2 {
		t.Fatalf("files %+v, want two", m.Files)
	}
	first, second := m.Files[0], m.Files[1]
	for _, f := range m.Files {
		t.Logf("%s: %s start %v duration %v", f.Path, f.ParticipantSID, f.StartOffset, f.Duration)
		if f.ParticipantIdentity != "alice" || f.Kind != vocab.KindAudio {
			t.Errorf("file %+v", f)
		}
		if e := decodeErrors(t, filepath.Join(dir, f.Path)); e != "" {
			t.Errorf("%s: ffmpeg decoding: %s", f.Path, e)
		}
	}
	if first.ParticipantSID == second.ParticipantSID || first.TrackSID == second.TrackSID {
		t.Errorf("the rejoined alice is the same participant or track: %+v", m.Files)
	}
	leftAt := left.Sub(m.StartedAt)
	if end := first.StartOffset + first.Duration; end > leftAt+100*time.Millisecond || second.StartOffset < leftAt {
		t.Errorf("first file ends at %v, second starts at %v; alice left at %v", end, second.StartOffset, leftAt)
	}
}

func TestStartRefusesBadConfig(t *testing.T) {
	ctx := context.Background()
	if _, err := recording.Start(ctx, recording.Config{URL: "http://127.0.0.1:1", Token: "x"}); !errors.Is(err, recording.ErrNoDir) {
		t.Errorf("no dir: %v", err)
	}
	if _, err := recording.Start(ctx, recording.Config{URL: "http://127.0.0.1:1", Token: "x", Dir: t.TempDir(),
		Layout: "mosaic"}); !errors.Is(err, recording.ErrUnknownLayout) {
		t.Errorf("layout: %v", err)
	}
}
