package recording_test

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/recording"
	"github.com/ensemble-sfu/ensemble/recording/internal/mediatest"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
	"github.com/pion/webrtc/v4/pkg/media"
)

// opusSilence is a 20 ms Opus frame that decodes to zeros.
var opusSilence = []byte{0xF8, 0xFF, 0xFE}

// speakInTurns sends the clip's frames while speaking() says so, and silent
// frames otherwise, at the clip's pace, until ctx ends.
func speakInTurns(ctx context.Context, tr *client.LocalTrack, c *clip.Clip, speaking func() bool) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	loop := c.Loop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tr.Done():
			return
		case <-tick.C:
		}
		f := loop.Next()
		data := f.Data
		if !speaking() {
			data = opusSilence
		}
		if err := tr.WriteSample(0, media.Sample{Data: data, Duration: 20 * time.Millisecond}); err != nil {
			return
		}
	}
}

// colourClip makes a VP8 clip of one colour with ffmpeg: each participant's
// picture is told apart by its colour in the composed video.
func colourClip(t *testing.T, colour string) *clip.Clip {
	t.Helper()
	path := filepath.Join(t.TempDir(), colour+".ivf")
	mediatest.Generate(t, "-f", "lavfi", "-i", "color=c="+colour+":s=320x180:r=30:d=4",
		"-c:v", "libvpx", "-deadline", "realtime", "-g", "15", "-b:v", "200k", path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, clip.ParseIVF, b)
}

// A real room where red speaks, then blue: the speaker layout's MP4 (H.264 +
// AAC, the recording's length) shows red large during red's turn and blue
// large during blue's, decided from the recorded audio.
func TestRecorderSpeakerLayoutFollowsTheSpeaker(t *testing.T) {
	red, blue := colourClip(t, "red"), colourClip(t, "blue") // before the room's clock starts
	r := newRoom(t, "speaker")
	voice := parse(t, clip.ParseOgg, clips.Opus)
	var blueSpeaks atomic.Bool
	for _, p := range []struct {
		name     string
		video    *clip.Clip
		speaking func() bool
	}{{"red", red, func() bool { return !blueSpeaks.Load() }}, {"blue", blue, blueSpeaks.Load}} {
		c, _ := r.join(p.name)
		cam := r.publish(c, client.TrackOptions{Source: vocab.SourceCamera, Width: 320, Height: 180})
		mic := r.publish(c, client.TrackOptions{Source: vocab.SourceMicrophone})
		r.run(func() { _ = clienttest.PlayClip(r.ctx, cam, p.video) })
		r.run(func() { speakInTurns(r.ctx, mic, voice, p.speaking) })
	}
	dir := t.TempDir()
	rec, err := recording.Start(r.ctx, recording.Config{URL: r.srv.URL, Dir: dir, Logger: testLogger(t),
		Token: r.srv.TokenWith(recording.TokenParams(r.name, "recorder")), Layout: recording.LayoutSpeaker})
	if err != nil {
		t.Fatal(err)
	}
	// Red's turn runs 6 s once the recorder writes all four tracks.
	r.waitFor("the four files", func() bool {
		entries, _ := os.ReadDir(dir)
		n := 0
		for _, e := range entries {
			if info, err := e.Info(); err == nil && info.Size() > 0 && filepath.Ext(e.Name()) != ".json" {
				n++
			}
		}
		return n == 4
	})
	r.wait(6 * time.Second)
	switched := time.Since(rec.StartedAt())
	blueSpeaks.Store(true)
	r.wait(6 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // composition on a loaded machine
	defer cancel()
	m, err := rec.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Composite == nil || m.Composite.Layout != recording.LayoutSpeaker {
		t.Fatalf("composite %+v", m.Composite)
	}
	out := filepath.Join(dir, m.Composite.Path)
	p := mediatest.Probe(t, out)
	length := m.EndedAt.Sub(m.StartedAt)
	if len(p.Streams) != 2 || p.Streams[0].CodecName != "h264" || p.Streams[1].CodecName != "aac" {
		t.Errorf("streams %+v", p.Streams)
	}
	if d := p.Duration - length; d > 500*time.Millisecond || d < -500*time.Millisecond {
		t.Errorf("duration %v, recording %v", p.Duration, length)
	}
	if e := decodeErrors(t, out); e != "" {
		t.Errorf("ffmpeg decoding the composite: %s", e)
	}
	// Red's turn from the start to the switch, blue's after it; each checked
	// in the middle of its turn, clear of the switch and of the picture's
	// first key frame.
	mediatest.LargeShows(t, out, switched/2+time.Second, "red")
	mediatest.LargeShows(t, out, switched+(length-switched)/2+500*time.Millisecond, "blue")
}
