package mediafile_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/recording/mediafile"
	"github.com/pion/webrtc/v4"
)

// The key frames the clips' own parsers know are exactly those IsKeyframe sees.
func TestIsKeyframeAgreesWithTheClips(t *testing.T) {
	for name, mime := range map[string]string{"vp8": webrtc.MimeTypeVP8, "vp9": webrtc.MimeTypeVP9,
		"av1": webrtc.MimeTypeAV1, "h264": webrtc.MimeTypeH264} {
		t.Run(name, func(t *testing.T) {
			keys := 0
			for i, f := range clipOf(t, name).Frames {
				want := f.Keyframe
				if name == "av1" {
					// package clip marks no AV1 frame; its clip has one key frame, the first.
					want = i == 0
				}
				if got := mediafile.IsKeyframe(mime, f.Data); got != want {
					t.Errorf("frame %d: key %v, want %v", i, got, want)
				}
				if want {
					keys++
				}
			}
			if keys == 0 {
				t.Error("no key frame in the clip")
			}
		})
	}
}

func TestVP8Size(t *testing.T) {
	for _, tt := range []struct {
		b    []byte
		w, h int
	}{{clips.VP8Low, 320, 180}, {clips.VP8Medium, 640, 360}, {clips.VP8High, 1280, 720}} {
		c, err := clipOfBytes(tt.b)
		if err != nil {
			t.Fatal(err)
		}
		w, h, ok := mediafile.VP8Size(c.Frames[0].Data)
		if !ok || w != tt.w || h != tt.h {
			t.Errorf("size %dx%d %v, want %dx%d", w, h, ok, tt.w, tt.h)
		}
		if _, _, ok := mediafile.VP8Size(c.Frames[1].Data); ok {
			t.Error("size of an inter frame")
		}
	}
}

func TestOpusDuration(t *testing.T) {
	for _, tt := range []struct {
		p    []byte
		want time.Duration
		err  bool
	}{
		{[]byte{0xf8, 0xff, 0xfe}, 20 * time.Millisecond, false}, // CELT FB 20 ms, one frame
		{[]byte{0x09}, 40 * time.Millisecond, false},             // SILK NB 20 ms, two frames
		{[]byte{0x03, 0x03}, 30 * time.Millisecond, false},       // SILK NB 10 ms, three frames
		{[]byte{0x03}, 0, true},                                  // code 3 without its count
		{nil, 0, true},
	} {
		got, err := mediafile.OpusDuration(tt.p)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("% x: %v %v, want %v (error %v)", tt.p, got, err, tt.want, tt.err)
		}
	}
}

func FuzzIsKeyframe(f *testing.F) {
	for _, name := range []string{"vp8", "vp9", "av1", "h264"} {
		c := clipOf(f, name)
		f.Add(name, c.Frames[0].Data[:min(len(c.Frames[0].Data), 64)])
		f.Add(name, c.Frames[1].Data[:min(len(c.Frames[1].Data), 64)])
	}
	mimes := map[string]string{"vp8": webrtc.MimeTypeVP8, "vp9": webrtc.MimeTypeVP9,
		"av1": webrtc.MimeTypeAV1, "h264": webrtc.MimeTypeH264}
	f.Fuzz(func(t *testing.T, codec string, frame []byte) {
		_ = mediafile.IsKeyframe(mimes[codec], frame)
		_, _, _ = mediafile.VP8Size(frame)
		_, _ = mediafile.OpusDuration(frame)
		// Twice: the second call may complete the frame with what the first saw.
		var sets mediafile.H264ParameterSets
		for range 2 {
			if out, ok := sets.StartFrame(frame); ok && (!bytes.HasSuffix(out, frame) || !mediafile.IsKeyframe(webrtc.MimeTypeH264, out)) {
				t.Errorf("start frame %x from %x", out, frame)
			}
		}
	})
}
