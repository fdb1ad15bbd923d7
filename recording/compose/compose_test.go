package compose_test

import (
	"github.com/ensemble-sfu/ensemble/recording/internal/mediatest"

	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/recording/compose"
	"github.com/ensemble-sfu/ensemble/recording/mediafile"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/pion/webrtc/v4"
)

// requireFFmpeg finds ffmpeg and ffprobe (mediatest.RequireTool: a skip outside
// CI, a failure under CI=true).
func requireFFmpeg(t *testing.T) {
	t.Helper()
	mediatest.RequireTool(t, "ffmpeg")
	mediatest.RequireTool(t, "ffprobe")
}

// writeTrack writes a clip to a per-track file as the recorder would.
func writeTrack(t *testing.T, path, mime string, c *clip.Clip) {
	t.Helper()
	w, err := mediafile.Create(path, mediafile.Track{MimeType: mime, ClockRate: 48000, Channels: 2, Width: c.Width, Height: c.Height})
	if err != nil {
		t.Fatal(err)
	}
	var pos time.Duration
	for _, f := range c.Frames {
		if err := w.WriteFrame(f.Data, pos); err != nil {
			t.Fatal(err)
		}
		pos += f.Duration
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func probe(t *testing.T, path string) ([]mediatest.Stream, time.Duration) {
	t.Helper()
	r := mediatest.Probe(t, path)
	return r.Streams, r.Duration
}

func inputs(t *testing.T, dir string) []compose.Input {
	parse := func(c *clip.Clip, err error) *clip.Clip {
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	vp8 := parse(clip.ParseIVF(clips.VP8Low))
	h264 := parse(clip.ParseH264(clips.H264, clips.H264FrameRate))
	opus := parse(clip.ParseOgg(clips.Opus))
	writeTrack(t, filepath.Join(dir, "a-cam-1.webm"), webrtc.MimeTypeVP8, vp8)
	writeTrack(t, filepath.Join(dir, "a-cam-2.webm"), webrtc.MimeTypeVP8, vp8)
	writeTrack(t, filepath.Join(dir, "a-mic.ogg"), webrtc.MimeTypeOpus, opus)
	writeTrack(t, filepath.Join(dir, "b-cam.mkv"), webrtc.MimeTypeH264, h264)
	writeTrack(t, filepath.Join(dir, "b-mic.ogg"), webrtc.MimeTypeOpus, opus)
	return []compose.Input{
		{Path: filepath.Join(dir, "a-cam-1.webm"), Video: true, Offset: 200 * time.Millisecond, Tile: "a"},
		{Path: filepath.Join(dir, "a-mic.ogg"), Offset: 250 * time.Millisecond},
		{Path: filepath.Join(dir, "b-cam.mkv"), Video: true, Offset: time.Second, Tile: "b"},
		{Path: filepath.Join(dir, "b-mic.ogg"), Offset: time.Second},
		{Path: filepath.Join(dir, "a-cam-2.webm"), Video: true, Offset: 3 * time.Second, Tile: "a"},
	}
}

// Two participants' files at their offsets make one MP4 of the recording's
// length, H.264 in the grid's size and AAC, which ffmpeg decodes cleanly.
func TestComposeGrid(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "composite.mp4")
	length := 5500 * time.Millisecond
	err := compose.Run(context.Background(), compose.Job{Inputs: inputs(t, dir), Length: length,
		Output: out, Width: 640, Height: 360})
	if err != nil {
		t.Fatal(err)
	}
	streams, d := probe(t, out)
	if len(streams) != 2 || streams[0].CodecName != "h264" || streams[0].Width != 640 || streams[0].Height != 360 ||
		streams[1].CodecName != "aac" {
		t.Errorf("streams %+v", streams)
	}
	if diff := d - length; diff > 200*time.Millisecond || diff < -200*time.Millisecond {
		t.Errorf("duration %v, want %v", d, length)
	}
	if p := os.Getenv("COMPOSE_KEEP"); p != "" {
		_ = exec.Command("cp", out, p).Run()
	}
	if e, _ := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", out, "-f", "null", "-").CombinedOutput(); len(e) > 0 {
		t.Errorf("ffmpeg decoding: %s", e)
	}
}

func TestComposeAudioOnly(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "composite.ogg")
	length := 4 * time.Second
	if err := compose.Run(context.Background(), compose.Job{Inputs: inputs(t, dir), Length: length, Output: out, AudioOnly: true}); err != nil {
		t.Fatal(err)
	}
	streams, d := probe(t, out)
	if len(streams) != 1 || streams[0].CodecName != "opus" {
		t.Errorf("streams %+v", streams)
	}
	if diff := d - length; diff > 200*time.Millisecond || diff < -200*time.Millisecond {
		t.Errorf("duration %v, want %v", d, length)
	}
}

func TestComposeSaysWhenFFmpegIsMissing(t *testing.T) {
	err := compose.Run(context.Background(), compose.Job{Inputs: []compose.Input{{Path: "a.ogg"}}, Length: time.Second,
		Output: filepath.Join(t.TempDir(), "x.ogg"), FFmpeg: "ensemble-no-such-ffmpeg"})
	if !errors.Is(err, compose.ErrNoFFmpeg) {
		t.Errorf("error %v, want ErrNoFFmpeg", err)
	}
}

func TestComposeRefusesNothing(t *testing.T) {
	requireFFmpeg(t)
	err := compose.Run(context.Background(), compose.Job{Length: time.Second, Output: filepath.Join(t.TempDir(), "x.mp4")})
	if !errors.Is(err, compose.ErrNothing) {
		t.Errorf("error %v, want ErrNothing", err)
	}
}
