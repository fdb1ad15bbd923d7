package mediafile_test

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/mediafile"
	"github.com/pion/webrtc/v4"
)

// A recording that joins an H.264 stream at an IDR frame whose parameter sets
// it missed does not start there; once it has seen them, a later IDR frame
// without them starts a file that ffmpeg decodes from its first frame.
func TestH264ParameterSetsMakeEveryStartDecodable(t *testing.T) {
	c := clipOf(t, "h264")
	var keys []int
	for i, f := range c.Frames {
		if f.Keyframe {
			keys = append(keys, i)
		}
	}
	if len(keys) < 2 {
		t.Fatalf("the clip has %d key frames, want 2 or more", len(keys))
	}
	bare := withoutParameterSets(c.Frames[keys[1]].Data)
	if len(bare) >= len(c.Frames[keys[1]].Data) || !mediafile.IsKeyframe(webrtc.MimeTypeH264, bare) {
		t.Fatal("the clip's second key frame has no parameter sets to take away")
	}

	var sets mediafile.H264ParameterSets
	if _, ok := sets.StartFrame(bare); ok {
		t.Error("an IDR frame without parameter sets, none seen before: taken as a start")
	}
	if _, ok := sets.StartFrame(c.Frames[1].Data); ok {
		t.Error("a frame without IDR slice taken as a start")
	}
	whole := c.Frames[keys[0]].Data
	if got, ok := sets.StartFrame(whole); !ok || &got[0] != &whole[0] {
		t.Errorf("a key frame with its parameter sets: ok %v, copied %v", ok, ok && &got[0] != &whole[0])
	}
	completed, ok := sets.StartFrame(bare)
	if !ok || !bytes.HasSuffix(completed, bare) || len(completed) <= len(bare) {
		t.Fatalf("an IDR frame after the parameter sets were seen: ok %v, %d bytes from %d", ok, len(completed), len(bare))
	}

	// A file from the completed frame on decodes without an error.
	path := filepath.Join(t.TempDir(), "late.mkv")
	w, err := mediafile.Create(path, mediafile.Track{MimeType: webrtc.MimeTypeH264, Width: c.Width, Height: c.Height})
	if err != nil {
		t.Fatal(err)
	}
	var pos time.Duration
	for i, f := range c.Frames[keys[1]:] {
		data := f.Data
		if i == 0 {
			data = completed
		}
		if err := w.WriteFrame(data, pos); err != nil {
			t.Fatal(err)
		}
		pos += f.Duration
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if e := decodeErrors(t, path); e != "" {
		t.Errorf("ffmpeg: %s", e)
	}
}

// withoutParameterSets returns an Annex-B access unit without its SPS and PPS
// NAL units (types 7 and 8).
func withoutParameterSets(au []byte) []byte {
	var nals [][]byte
	for rest := au; ; {
		i := bytes.Index(rest, []byte{0, 0, 1})
		if i < 0 {
			break
		}
		next := bytes.Index(rest[i+3:], []byte{0, 0, 1})
		end := len(rest)
		if next >= 0 {
			end = i + 3 + next
		}
		nals = append(nals, rest[i:end])
		rest = rest[end:]
	}
	var out []byte
	for _, nal := range nals {
		if t := nal[3] & 0x1f; t == 7 || t == 8 {
			continue
		}
		out = append(out, 0)
		out = append(out, bytes.TrimRight(nal, "\x00")...)
	}
	return out
}
