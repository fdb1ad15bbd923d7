package recording_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requireTool finds a command-line tool. Outside CI a missing tool skips the
// test; under CI=true it fails it, because a silent skip would hide a broken setup.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := name + " not found: apt-get update && apt-get install -y ffmpeg"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// probe is what ffprobe says of a file.
type probe struct {
	Codec         string
	Width, Height int
	Duration      time.Duration
}

func ffprobe(t *testing.T, path string) probe {
	t.Helper()
	out, err := exec.Command(requireTool(t, "ffprobe"), "-v", "error", "-show_entries",
		"stream=codec_name,width,height:format=duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
			Width     int    `json:"width"`
			Height    int    `json:"height"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &r); err != nil || len(r.Streams) != 1 {
		t.Fatalf("ffprobe %s: %s (%v)", path, out, err)
	}
	secs, err := strconv.ParseFloat(r.Format.Duration, 64)
	if err != nil {
		t.Fatalf("ffprobe %s: duration %q: %v", path, r.Format.Duration, err)
	}
	s := r.Streams[0]
	return probe{Codec: s.CodecName, Width: s.Width, Height: s.Height, Duration: time.Duration(secs * float64(time.Second))}
}

// decodeErrors decodes the whole file with ffmpeg and returns what it printed
// at level error (nothing for a clean file).
func decodeErrors(t *testing.T, path string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(requireTool(t, "ffmpeg"), "-nostdin", "-v", "error", "-i", path, "-f", "null", "-")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stderr.String() + err.Error()
	}
	return stderr.String()
}

// testLogger logs to the test at the level ENSEMBLE_TEST_LOG names (as
// servertest does), and discards otherwise.
func testLogger(t *testing.T) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("ENSEMBLE_TEST_LOG"))); err != nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: level}))
}

// ffprobe2 lists the codecs of a file's streams.
func ffprobe2(t *testing.T, path string) []string {
	t.Helper()
	out, err := exec.Command(requireTool(t, "ffprobe"), "-v", "error", "-show_entries", "stream=codec_name",
		"-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	return strings.Fields(string(out))
}
