package recording_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/at-wat/ebml-go/mkvcore"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
)

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
	pos := -c.Skip // where a player plays the first frame
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
	pos := -file.Skip // where a player plays the first frame
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
