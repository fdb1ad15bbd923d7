package recording_test

import (
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/internal/mediatest"
)

func requireTool(t *testing.T, name string) string { return mediatest.RequireTool(t, name) }

func decodeErrors(t *testing.T, path string) string { return mediatest.DecodeErrors(t, path) }

// probe is what ffprobe says of a one-stream file.
type probe struct {
	Codec         string
	Width, Height int
	Duration      time.Duration
}

func ffprobe(t *testing.T, path string) probe {
	t.Helper()
	r := mediatest.Probe(t, path)
	if len(r.Streams) != 1 {
		t.Fatalf("ffprobe %s: %d streams, want 1", path, len(r.Streams))
	}
	s := r.Streams[0]
	return probe{Codec: s.CodecName, Width: s.Width, Height: s.Height, Duration: r.Duration}
}

// ffprobe2 lists the codecs of a file's streams.
func ffprobe2(t *testing.T, path string) []string {
	t.Helper()
	var codecs []string
	for _, s := range mediatest.Probe(t, path).Streams {
		codecs = append(codecs, s.CodecName)
	}
	return codecs
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
