package clip_test

import (
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/pion/webrtc/v4"
)

func TestParseEmbeddedClips(t *testing.T) {
	tests := []struct {
		name     string
		parse    func() (*clip.Clip, error)
		mime     string
		w, h     int
		frameDur time.Duration
		keyAt    []int
		length   time.Duration
	}{
		{"vp8 low", func() (*clip.Clip, error) { return clip.ParseIVF(clips.VP8Low) }, webrtc.MimeTypeVP8, 320, 180, time.Second / 30, []int{0, 60, 120}, 5 * time.Second},
		{"vp8 medium", func() (*clip.Clip, error) { return clip.ParseIVF(clips.VP8Medium) }, webrtc.MimeTypeVP8, 640, 360, time.Second / 30, []int{0, 60, 120}, 5 * time.Second},
		{"vp8 high", func() (*clip.Clip, error) { return clip.ParseIVF(clips.VP8High) }, webrtc.MimeTypeVP8, 1280, 720, time.Second / 30, []int{0, 60, 120}, 5 * time.Second},
		{"vp9", func() (*clip.Clip, error) { return clip.ParseIVF(clips.VP9) }, webrtc.MimeTypeVP9, 320, 180, time.Second / 30, []int{0, 60}, 3 * time.Second},
		{"av1", func() (*clip.Clip, error) { return clip.ParseIVF(clips.AV1) }, webrtc.MimeTypeAV1, 320, 180, time.Second / 30, nil, 2 * time.Second},
		{"h264", func() (*clip.Clip, error) { return clip.ParseH264(clips.H264, clips.H264FrameRate) }, webrtc.MimeTypeH264, 0, 0, time.Second / 30, []int{0, 60, 120}, 5 * time.Second},
		{"opus", func() (*clip.Clip, error) { return clip.ParseOgg(clips.Opus) }, webrtc.MimeTypeOpus, 0, 0, 20 * time.Millisecond, nil, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.parse()
			if err != nil {
				t.Fatal(err)
			}
			if c.MimeType != tt.mime || c.Width != tt.w || c.Height != tt.h {
				t.Fatalf("got %s %dx%d, want %s %dx%d", c.MimeType, c.Width, c.Height, tt.mime, tt.w, tt.h)
			}
			if d := c.Duration(); d < tt.length-100*time.Millisecond || d > tt.length+100*time.Millisecond {
				t.Errorf("duration %v, want about %v", d, tt.length)
			}
			if c.Frames[0].Duration != tt.frameDur {
				t.Errorf("first frame lasts %v, want %v", c.Frames[0].Duration, tt.frameDur)
			}
			if tt.keyAt != nil {
				var keys []int
				for i, f := range c.Frames {
					if f.Keyframe {
						keys = append(keys, i)
					}
				}
				if len(keys) != len(tt.keyAt) {
					t.Fatalf("keyframes at %v, want %v", keys, tt.keyAt)
				}
				for i := range keys {
					if keys[i] != tt.keyAt[i] {
						t.Fatalf("keyframes at %v, want %v", keys, tt.keyAt)
					}
				}
			}
		})
	}
}

func TestLoopWrapsAndRestarts(t *testing.T) {
	c, err := clip.ParseOgg(clips.Opus)
	if err != nil {
		t.Fatal(err)
	}
	l := c.Loop()
	first := l.Next()
	for range len(c.Frames) - 1 {
		l.Next()
	}
	if l.Passes != 1 {
		t.Fatalf("passes = %d after one pass", l.Passes)
	}
	if got := l.Next(); &got.Data[0] != &first.Data[0] {
		t.Fatal("the loop did not wrap to the first frame")
	}
	l.Next()
	l.Restart()
	if got := l.Next(); &got.Data[0] != &first.Data[0] {
		t.Fatal("Restart did not go back to the first frame")
	}
}

func TestParseRefusesGarbage(t *testing.T) {
	for name, parse := range map[string]func([]byte) (*clip.Clip, error){
		"ivf":  clip.ParseIVF,
		"ogg":  clip.ParseOgg,
		"h264": func(b []byte) (*clip.Clip, error) { return clip.ParseH264(b, 30) },
	} {
		if _, err := parse([]byte("definitely not media")); err == nil {
			t.Errorf("%s: garbage parsed without error", name)
		}
	}
}

func FuzzParseOgg(f *testing.F) {
	f.Add(clips.Opus[:4096])
	f.Add([]byte("OggS"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := clip.ParseOgg(b)
		if err == nil && len(c.Frames) == 0 {
			t.Fatal("no error and no frames")
		}
	})
}

func FuzzParseIVF(f *testing.F) {
	f.Add(clips.VP8Low[:2048])
	f.Add(clips.VP9[:2048])
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := clip.ParseIVF(b)
		if err == nil && len(c.Frames) == 0 {
			t.Fatal("no error and no frames")
		}
	})
}
