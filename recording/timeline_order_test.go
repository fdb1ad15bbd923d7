package recording

import (
	"testing"
	"time"
)

// Video at 30 frames a second on a 90 kHz clock.
const (
	videoInterval = 100 * time.Millisecond / 3
	videoTicks    = 3000
)

// videoStream feeds a 90 kHz timeline the frames of index idx(i) (timestamp
// idx*3000) arriving at arrive(i), and returns their positions.
func videoStream(n int, idx func(i int) int, arrive func(i int) time.Duration) []time.Duration {
	tl := timeline{clockRate: 90000}
	origin := time.Unix(1000, 0)
	var out []placedFrame
	for i := range n {
		ts := 0xfff00000 + uint32(idx(i))*videoTicks // wraps around on the way
		out = tl.push(frame{data: []byte{byte(i)}, ts: ts, arrival: origin.Add(arrive(i))}, out)
	}
	out = tl.flush(out)
	pos := make([]time.Duration, len(out))
	for i, p := range out {
		pos[i] = p.pos
	}
	return pos
}

func requireApart(t *testing.T, pos []time.Duration, least time.Duration) {
	t.Helper()
	for i := 1; i < len(pos); i++ {
		if d := pos[i] - pos[i-1]; d < least {
			t.Fatalf("frame %d at %v, %v after frame %d: want at least %v apart", i, pos[i], d, i-1, least)
		}
	}
}

// Frames whose timestamps do not advance (the same as the last frame's, or a
// little before: a frame seen twice, a layer switch that gave the same time)
// are each placed one interval after the previous frame: no two frames share a
// position, and the rest keep their time.
func TestTimelineFramesThatDoNotAdvance(t *testing.T) {
	idx := func(i int) int {
		switch i {
		case 30, 31:
			return 29 // twice the time of frame 29
		case 50:
			return 47 // a little before
		}
		return i
	}
	pos := videoStream(100, idx, func(i int) time.Duration { return time.Duration(i) * videoInterval })
	requireApart(t, pos, videoInterval-time.Millisecond)
	// Each such frame may cost the frames after it one interval, no more.
	if last := pos[len(pos)-1]; last < 99*videoInterval || last > 99*videoInterval+3*videoInterval+time.Millisecond {
		t.Errorf("last frame at %v, want %v to %v", last, 99*videoInterval, 102*videoInterval)
	}
}

// The timestamps jump a second ahead and that frame arrives together with the
// previous one (a burst): the jump is closed up, and the frame still lies one
// interval after the previous one. Before, both had the same position; the
// WebM writer moved the second a millisecond on, and ffmpeg, which reads the
// file at its frame rate, saw the same DTS twice ("1079 >= 1079").
func TestTimelineJumpInABurstKeepsFramesApart(t *testing.T) {
	idx := func(i int) int {
		if i >= 60 {
			return i + 30
		}
		return i
	}
	pos := videoStream(120, idx, func(i int) time.Duration {
		if i == 60 {
			return 59 * videoInterval
		}
		return time.Duration(i) * videoInterval
	})
	requireApart(t, pos, videoInterval-time.Millisecond)
	if d := pos[60] - pos[59]; d > videoInterval+time.Millisecond {
		t.Errorf("the jump is not closed up: frame 60 %v after frame 59", d)
	}
}

// A reader stalls 900 ms and the track waits for a key frame meanwhile (the
// frames in between are not written): the key frame comes on time after the
// backlog. The late frame before it and the key frame are not a jump of the
// timestamps: the key frame keeps its time.
func TestTimelineKeyFrameAfterAStalledBacklogKeepsItsTime(t *testing.T) {
	idx := func(i int) int {
		if i >= 60 {
			return i + 30 // frames 60..89 not written: waiting for a key frame
		}
		return i
	}
	pos := videoStream(120, idx, func(i int) time.Duration {
		if i >= 50 && i < 60 {
			return 2900 * time.Millisecond // the backlog, read at once
		}
		return time.Duration(idx(i)) * videoInterval
	})
	requireApart(t, pos, videoInterval-time.Millisecond)
	for i, p := range pos {
		if want := time.Duration(idx(i)) * videoInterval; p-want > time.Millisecond || want-p > time.Millisecond {
			t.Fatalf("frame %d at %v, want %v", i, p, want)
		}
	}
}

// Timestamps that step back a second (a new time base): the frames go on one
// interval after the last, in order.
func TestTimelineStepBackIsADiscontinuity(t *testing.T) {
	idx := func(i int) int {
		if i >= 40 {
			return i - 30
		}
		return i
	}
	pos := videoStream(100, idx, func(i int) time.Duration { return time.Duration(i) * videoInterval })
	requireApart(t, pos, videoInterval-time.Millisecond)
	for i, p := range pos {
		if want := time.Duration(i) * videoInterval; p-want > time.Millisecond || want-p > time.Millisecond {
			t.Fatalf("frame %d at %v, want %v", i, p, want)
		}
	}
}
