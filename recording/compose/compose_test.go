package compose_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/recording/compose"
	"github.com/ensemble-sfu/ensemble/recording/mediafile"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/pion/webrtc/v4"
)

// requireFFmpeg finds ffmpeg and ffprobe. Outside CI a missing tool skips the
// test; under CI=true it fails it, because a silent skip would hide a broken setup.
func requireFFmpeg(t *testing.T) {
	t.Helper()
	for _, name := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(name); err != nil {
			msg := name + " not found: apt-get update && apt-get install -y ffmpeg"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
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

type stream struct {
	CodecType string `json:"codec_type"`
	CodecName string `json:"codec_name"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
}

func probe(t *testing.T, path string) ([]stream, time.Duration) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries",
		"stream=codec_type,codec_name,width,height:format=duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r struct {
		Streams []stream
		Format  struct{ Duration string }
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	secs, err := strconv.ParseFloat(r.Format.Duration, 64)
	if err != nil {
		t.Fatalf("%s: duration %q", path, r.Format.Duration)
	}
	return r.Streams, time.Duration(secs * float64(time.Second))
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
