package recording

import (
	"testing"
	"time"
)

// A track's later file never starts before its earlier one ends, whatever
// clocks placed them; other tracks' files are left where they are.
func TestKeepRunOrder(t *testing.T) {
	ms := time.Millisecond
	files := []File{
		// Seen in a browser test: a one-frame low-layer file by arrival, the
		// top layer's file by sender report, 3 ms earlier.
		{Path: "cam-1", TrackSID: "TR_cam", StartOffset: 203 * ms, Duration: 33 * ms},
		{Path: "cam-2", TrackSID: "TR_cam", StartOffset: 200 * ms, Duration: 5700 * ms},
		{Path: "mic-1", TrackSID: "TR_mic", StartOffset: 50 * ms, Duration: 5800 * ms},
		// A later file after a gap stays where it was.
		{Path: "cam-3", TrackSID: "TR_cam", StartOffset: 7000 * ms, Duration: 100 * ms},
	}
	keepRunOrder(files)
	want := map[string]time.Duration{"cam-1": 203 * ms, "cam-2": 236 * ms, "mic-1": 50 * ms, "cam-3": 7000 * ms}
	for _, f := range files {
		if f.StartOffset != want[f.Path] {
			t.Errorf("%s starts at %v, want %v", f.Path, f.StartOffset, want[f.Path])
		}
	}
}
