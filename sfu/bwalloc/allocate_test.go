package bwalloc

import (
	"testing"

	"github.com/ensemble-sfu/ensemble/vocab"
)

var (
	camRates    = [NumQualities]int{150_000, 500_000, 1_500_000}
	screenRates = [NumQualities]int{200_000, 800_000, 2_500_000}
	audioRates  = [NumQualities]int{0, 0, 40_000}
)

func cam(id string, maxQ vocab.Quality) Track {
	return Track{ID: id, Priority: PriorityVideo, MaxQuality: maxQ, Bitrates: camRates}
}

func TestAllocate(t *testing.T) {
	type want struct {
		quality vocab.Quality
		paused  bool
		reason  vocab.LayerReason
	}
	tests := []struct {
		name   string
		budget int
		tracks []Track
		want   []want
	}{
		{
			name:   "ample budget gives every video its requested layer",
			budget: 10_000_000,
			tracks: []Track{cam("a", 2), cam("b", 0)},
			want:   []want{{2, false, vocab.LayerRequested}, {0, false, vocab.LayerRequested}},
		},
		{
			name:   "small budget lowers the video for bandwidth",
			budget: 700_000,
			tracks: []Track{cam("a", 2)},
			want:   []want{{1, false, vocab.LayerBandwidth}},
		},
		{
			name:   "audio is always served, even over budget",
			budget: 10_000,
			tracks: []Track{{ID: "mic", Audio: true, MaxQuality: vocab.QualityHigh, Bitrates: audioRates}, cam("a", 2)},
			want:   []want{{2, false, vocab.LayerRequested}, {0, true, vocab.LayerBandwidth}},
		},
		{
			name:   "nothing fits: the video is paused for bandwidth",
			budget: 100_000,
			tracks: []Track{cam("a", 2)},
			want:   []want{{0, true, vocab.LayerBandwidth}},
		},
		{
			name:   "screen share reaches full quality before cameras go above low",
			budget: 2_500_000 + 2*150_000 + 100_000,
			tracks: []Track{cam("a", 2), {ID: "s", Priority: PriorityScreen, MaxQuality: vocab.QualityHigh, Bitrates: screenRates}, cam("b", 2)},
			want:   []want{{0, false, vocab.LayerBandwidth}, {2, false, vocab.LayerRequested}, {0, false, vocab.LayerBandwidth}},
		},
		{
			name:   "the screen share keeps full quality even if a camera must pause",
			budget: 2_500_000 + 100_000,
			tracks: []Track{cam("a", 2), {ID: "s", Priority: PriorityScreen, MaxQuality: vocab.QualityHigh, Bitrates: screenRates}},
			want:   []want{{0, true, vocab.LayerBandwidth}, {2, false, vocab.LayerRequested}},
		},
		{
			name:   "the active speaker is raised before the other cameras",
			budget: 1_500_000 + 150_000,
			tracks: []Track{cam("a", 2), {ID: "sp", Priority: PrioritySpeaker, MaxQuality: vocab.QualityHigh, Bitrates: camRates}},
			want:   []want{{0, false, vocab.LayerBandwidth}, {2, false, vocab.LayerRequested}},
		},
		{
			name:   "as many videos as possible stay visible before any is raised",
			budget: 3 * 150_000,
			tracks: []Track{cam("a", 2), cam("b", 2), cam("c", 2), cam("d", 2)},
			want:   []want{{0, false, vocab.LayerBandwidth}, {0, false, vocab.LayerBandwidth}, {0, false, vocab.LayerBandwidth}, {0, true, vocab.LayerBandwidth}},
		},
		{
			name:   "with temporal layers a lower frame rate comes before a pause",
			budget: 100_000,
			tracks: []Track{{ID: "a", Priority: PriorityVideo, MaxQuality: vocab.QualityHigh, Bitrates: camRates, Temporal: true}},
			want:   []want{{0, false, vocab.LayerBandwidth}},
		},
		{
			name:   "the publisher sends no high layer",
			budget: 10_000_000,
			tracks: []Track{{ID: "a", Priority: PriorityVideo, MaxQuality: vocab.QualityHigh, Bitrates: [3]int{150_000, 500_000, 0}}},
			want:   []want{{1, false, vocab.LayerPublisher}},
		},
		{
			name:   "a subscriber pause costs nothing and leaves room for others",
			budget: 1_600_000,
			tracks: []Track{{ID: "a", Priority: PriorityVideo, Paused: true, Bitrates: camRates}, cam("b", 2)},
			want:   []want{{0, true, vocab.LayerRequested}, {2, false, vocab.LayerRequested}},
		},
		{
			name:   "only layers above the wish are sent: the lowest one is given",
			budget: 10_000_000,
			tracks: []Track{{ID: "a", Priority: PriorityVideo, MaxQuality: vocab.QualityLow, Bitrates: [3]int{0, 0, 1_000_000}}},
			want:   []want{{2, false, vocab.LayerPublisher}},
		},
		{
			name:   "a track not received yet keeps the wish",
			budget: 0,
			tracks: []Track{{ID: "a", Priority: PriorityVideo, MaxQuality: vocab.QualityMedium}},
			want:   []want{{1, false, vocab.LayerPublisher}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Allocate(tc.budget, tc.tracks)
			if len(got) != len(tc.want) {
				t.Fatalf("%d decisions, want %d", len(got), len(tc.want))
			}
			spent := 0
			for i, w := range tc.want {
				g := got[i]
				if g.ID != tc.tracks[i].ID {
					t.Errorf("decision %d is for %q, want %q", i, g.ID, tc.tracks[i].ID)
				}
				if g.Paused != w.paused || (!w.paused && g.Quality != w.quality) || g.Reason != w.reason {
					t.Errorf("%s: got quality %d paused %v reason %s; want %d %v %s",
						g.ID, g.Quality, g.Paused, g.Reason, w.quality, w.paused, w.reason)
				}
				if !tc.tracks[i].Audio {
					spent += g.Bitrate
				}
				if g.BaseTemporalOnly != (tc.tracks[i].Temporal && !g.Paused && g.Bitrate < camRates[0]) {
					t.Errorf("%s: base temporal only = %v", g.ID, g.BaseTemporalOnly)
				}
			}
			if spent > tc.budget {
				t.Errorf("videos use %d bit/s, over the budget of %d", spent, tc.budget)
			}
		})
	}
}

func BenchmarkAllocate(b *testing.B) {
	tracks := []Track{cam("a", 2), cam("b", 2), cam("c", 1), {ID: "s", Priority: PriorityScreen, MaxQuality: vocab.QualityHigh, Bitrates: screenRates},
		{ID: "m", Audio: true, MaxQuality: vocab.QualityHigh, Bitrates: audioRates}}
	b.ReportAllocs()
	for b.Loop() {
		_ = Allocate(3_000_000, tracks)
	}
}
