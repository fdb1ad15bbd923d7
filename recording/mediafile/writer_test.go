package mediafile_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/internal/mediatest"
	"github.com/ensemble-sfu/ensemble/recording/mediafile"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/pion/webrtc/v4"
)

// Each codec's frames, written at their own pace with a gap in the middle (as a
// mute leaves), make a file that ffprobe reads with the codec and the length of
// the time line, and that ffmpeg decodes without a word.
func TestWritersMakeFilesFFmpegReads(t *testing.T) {
	tests := []struct {
		clip, codec, ffprobe string
		container            mediafile.Container
	}{
		{"vp8", webrtc.MimeTypeVP8, "vp8", mediafile.WebM},
		{"vp9", webrtc.MimeTypeVP9, "vp9", mediafile.WebM},
		{"av1", webrtc.MimeTypeAV1, "av1", mediafile.Matroska},
		{"h264", webrtc.MimeTypeH264, "h264", mediafile.Matroska},
		{"opus", webrtc.MimeTypeOpus, "opus", mediafile.Ogg},
	}
	const gap = 1500 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.clip, func(t *testing.T) {
			c := clipOf(t, tt.clip)
			container, err := mediafile.ContainerFor(tt.codec)
			if err != nil || container != tt.container {
				t.Fatalf("container %s, %v; want %s", container, err, tt.container)
			}
			path := filepath.Join(t.TempDir(), "track."+string(container))
			w, err := mediafile.Create(path, mediafile.Track{MimeType: tt.codec, ClockRate: 48000, Channels: 2,
				Width: c.Width, Height: c.Height})
			if err != nil {
				t.Fatal(err)
			}
			// The clip twice: the second time after a gap, from its first (key) frame.
			var pos time.Duration
			for round := range 2 {
				if round == 1 {
					pos += gap
				}
				for _, f := range c.Frames {
					if err := w.WriteFrame(f.Data, pos); err != nil {
						t.Fatal(err)
					}
					pos += f.Duration
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil || st.Size() != w.Size() {
				t.Fatalf("size %d, file %v %v", w.Size(), st, err)
			}
			if d := w.Duration() - pos; d > time.Millisecond || d < -time.Millisecond {
				t.Errorf("writer duration %v, wrote up to %v", w.Duration(), pos)
			}
			codec, dur := probe(t, path)
			if codec != tt.ffprobe {
				t.Errorf("ffprobe codec %s, want %s", codec, tt.ffprobe)
			}
			if d := dur - pos; d > 100*time.Millisecond || d < -100*time.Millisecond {
				t.Errorf("ffprobe duration %v, time line %v", dur, pos)
			}
			if e := decodeErrors(t, path); e != "" {
				t.Errorf("ffmpeg: %s", e)
			}
			if err := w.WriteFrame(c.Frames[0].Data, pos); !errors.Is(err, mediafile.ErrClosed) {
				t.Errorf("write after close: %v", err)
			}
		})
	}
}

// An Ogg file fills a gap with silent frames: its frames are the pre-skip's
// silence, the clip's, then as many 20 ms silences as the gap holds, then the
// clip again.
func TestOggFillsGapsWithSilence(t *testing.T) {
	c := clipOf(t, "opus")
	path := filepath.Join(t.TempDir(), "a.ogg")
	w, err := mediafile.Create(path, mediafile.Track{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range c.Frames[:10] {
		pos := time.Duration(i) * 20 * time.Millisecond
		if i >= 5 {
			pos += time.Second
		}
		if err := w.WriteFrame(f.Data, pos); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readOgg(t, path)
	if got.Skip != 80*time.Millisecond {
		t.Fatalf("pre-skip %v, want 80ms", got.Skip)
	}
	if len(got.Frames) != 4+10+50 {
		t.Fatalf("%d frames, want 64", len(got.Frames))
	}
	for i, f := range got.Frames {
		silent := string(f.Data) == "\xf8\xff\xfe"
		if want := i < 4 || i >= 4+5 && i < 4+55; silent != want {
			t.Errorf("frame %d silent %v, want %v", i, silent, want)
		}
	}
}

// The first frame written at zero is the first a player plays, at zero: the
// header's pre-skip drops the writer's leading silence and nothing else.
func TestOggFirstFramePlaysAtZero(t *testing.T) {
	c := clipOf(t, "opus")
	path := filepath.Join(t.TempDir(), "a.ogg")
	w, err := mediafile.Create(path, mediafile.Track{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
	if err != nil {
		t.Fatal(err)
	}
	var pos time.Duration
	for _, f := range c.Frames[:20] {
		if err := w.WriteFrame(f.Data, pos); err != nil {
			t.Fatal(err)
		}
		pos += f.Duration
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	played := mediatest.Played(t, path)
	if len(played) != 20 || played[0].PTS != 0 || played[0].Size != len(c.Frames[0].Data) {
		t.Errorf("%d packets played, the first %+v; want 20, the first frame written (%d bytes) at 0", len(played), played, len(c.Frames[0].Data))
	}
}

// readOgg parses an Ogg Opus file.
func readOgg(t *testing.T, path string) *clip.Clip {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := clip.ParseOgg(b)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestCreateRefusesWhatItCannotWrite(t *testing.T) {
	dir := t.TempDir()
	if _, err := mediafile.Create(filepath.Join(dir, "a.wav"), mediafile.Track{MimeType: webrtc.MimeTypePCMU}); !errors.Is(err, mediafile.ErrUnsupportedCodec) {
		t.Errorf("PCMU: %v", err)
	}
	path := filepath.Join(dir, "v.webm")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := mediafile.Create(path, mediafile.Track{MimeType: webrtc.MimeTypeVP8}); !errors.Is(err, os.ErrExist) {
		t.Errorf("existing file: %v", err)
	}
	path = filepath.Join(dir, "a.ogg")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := mediafile.Create(path, mediafile.Track{MimeType: webrtc.MimeTypeOpus}); !errors.Is(err, os.ErrExist) {
		t.Errorf("existing file: %v", err)
	}
}
