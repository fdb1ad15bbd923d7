package mediatest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RequireTool returns the path of a command-line tool, or skips the test (fails
// it under CI=true) when the tool is missing.
func RequireTool(t testing.TB, name string) string {
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

// Stream is one stream of a probed file.
type Stream struct {
	CodecType string `json:"codec_type"`
	CodecName string `json:"codec_name"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
}

// Result is what ffprobe says of a file.
type Result struct {
	Streams  []Stream
	Duration time.Duration
}

// Probe runs ffprobe on path and fails the test when it cannot read the file.
func Probe(t testing.TB, path string) Result {
	t.Helper()
	out, err := exec.Command(RequireTool(t, "ffprobe"), "-v", "error", "-show_entries",
		"stream=codec_type,codec_name,width,height:format=duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r struct {
		Streams []Stream `json:"streams"`
		Format  struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("ffprobe %s: %s (%v)", path, out, err)
	}
	secs, err := strconv.ParseFloat(r.Format.Duration, 64)
	if err != nil {
		t.Fatalf("ffprobe %s: duration %q: %v", path, r.Format.Duration, err)
	}
	return Result{Streams: r.Streams, Duration: time.Duration(secs * float64(time.Second))}
}

// DecodeErrors decodes the whole file with ffmpeg and returns what it printed at
// level error (nothing for a clean file).
func DecodeErrors(t testing.TB, path string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(RequireTool(t, "ffmpeg"), "-nostdin", "-v", "error", "-i", path, "-f", "null", "-")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stderr.String() + err.Error()
	}
	return stderr.String()
}

// Packet is one packet of a file as ffprobe reads it.
type Packet struct {
	PTS  time.Duration
	Size int
}

// Played lists the packets of a file's first stream that a player plays, in
// order: those at or after zero. (Earlier ones are an Ogg file's pre-skip, the
// decoder's warm-up, decoded and dropped.) There is one per video frame or per
// audio frame in WebM and Ogg, so a frame lost on the way is missing even when
// the file's duration is whole.
func Played(t testing.TB, path string) []Packet {
	t.Helper()
	out, err := exec.Command(RequireTool(t, "ffprobe"), "-v", "error", "-select_streams", "0",
		"-show_entries", "packet=pts_time,size", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var played []Packet
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		fields := strings.Split(line, ",") // pts, size and an empty rest
		if len(fields) < 2 {
			t.Fatalf("ffprobe %s: packet %q", path, line)
		}
		secs, err1 := strconv.ParseFloat(fields[0], 64)
		n, err2 := strconv.Atoi(fields[1])
		if err1 != nil || err2 != nil {
			t.Fatalf("ffprobe %s: packet %q", path, line)
		}
		if secs >= 0 {
			played = append(played, Packet{PTS: time.Duration(secs * float64(time.Second)), Size: n})
		}
	}
	return played
}
