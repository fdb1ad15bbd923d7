package mediafile_test

import (
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/internal/mediatest"
)

// probe returns the codec and duration ffprobe reads from a one-stream file.
func probe(t *testing.T, path string) (string, time.Duration) {
	t.Helper()
	r := mediatest.Probe(t, path)
	if len(r.Streams) != 1 {
		t.Fatalf("ffprobe %s: %d streams, want 1", path, len(r.Streams))
	}
	return r.Streams[0].CodecName, r.Duration
}

func decodeErrors(t *testing.T, path string) string { return mediatest.DecodeErrors(t, path) }
