package mediatest

import (
	"fmt"
	"os/exec"
	"testing"
	"time"
)

// Colour is a mean colour, 0 to 255 per channel.
type Colour struct{ R, G, B float64 }

func (c Colour) String() string { return fmt.Sprintf("rgb(%.0f,%.0f,%.0f)", c.R, c.G, c.B) }

// MeanColour is the mean colour of the w×h region at (x, y) of the video frame
// shown at time at in the file (ffmpeg seeks there, crops, and averages by
// scaling the region down to one pixel).
func MeanColour(t testing.TB, path string, at time.Duration, x, y, w, h int) Colour {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-ss", fmt.Sprintf("%.3f", at.Seconds()), "-i", path,
		"-frames:v", "1", "-vf", fmt.Sprintf("crop=%d:%d:%d:%d,scale=1:1:flags=area", w, h, x, y),
		"-f", "rawvideo", "-pix_fmt", "rgb24", "-").Output()
	if err != nil || len(out) != 3 {
		t.Fatalf("frame of %s at %v: %v (%d bytes)", path, at, err, len(out))
	}
	return Colour{float64(out[0]), float64(out[1]), float64(out[2])}
}

// Generate runs ffmpeg to make a test file from lavfi sources (args are
// ffmpeg's, after the global options).
func Generate(t testing.TB, args ...string) {
	t.Helper()
	full := append([]string{"-nostdin", "-y", "-v", "error"}, args...)
	if out, err := exec.Command("ffmpeg", full...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", args, err, out)
	}
}

// LargeShows checks which participant, "red" or "blue", fills the large region
// of a speaker-layout video (the top three quarters of the 1280x720 picture) at
// a moment: the speaker tests give each camera one flat colour, so the mean
// colour of the region tells who is shown large.
func LargeShows(t testing.TB, path string, at time.Duration, want string) {
	t.Helper()
	c := MeanColour(t, path, at, 440, 120, 400, 300)
	got := "neither"
	switch {
	case c.R > 150 && c.B < 80:
		got = "red"
	case c.B > 150 && c.R < 80:
		got = "blue"
	}
	if got != want {
		t.Errorf("at %v the large region is %v (%s), want %s", at, c, got, want)
	}
}
