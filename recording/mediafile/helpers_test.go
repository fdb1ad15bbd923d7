package mediafile_test

import (
	"fmt"
	"testing"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
)

func clipOfBytes(b []byte) (*clip.Clip, error) { return clip.ParseIVF(b) }

// parseNamed parses the test clip of a codec ("vp8", "vp9", "av1", "h264", "opus").
func parseNamed(name string) (*clip.Clip, error) {
	switch name {
	case "vp8":
		return clip.ParseIVF(clips.VP8Medium)
	case "vp9":
		return clip.ParseIVF(clips.VP9)
	case "av1":
		return clip.ParseIVF(clips.AV1)
	case "h264":
		return clip.ParseH264(clips.H264, clips.H264FrameRate)
	case "opus":
		return clip.ParseOgg(clips.Opus)
	}
	return nil, fmt.Errorf("no clip %q", name)
}

func clipOf(t testing.TB, name string) *clip.Clip {
	t.Helper()
	c, err := parseNamed(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
