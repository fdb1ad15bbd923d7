package recording

import (
	"testing"
	"time"
)

// stream feeds a timeline 20 ms audio frames (960 ticks at 48 kHz) and returns
// their positions; arrive says when frame i arrives and ts its timestamp.
func stream(n int, ts func(i int) uint32, arrive func(i int) time.Duration) []time.Duration {
	tl := timeline{clockRate: 48000}
	origin := time.Unix(1000, 0)
	var out []placedFrame
	for i := range n {
		out = tl.push(frame{data: []byte{byte(i)}, ts: ts(i), arrival: origin.Add(arrive(i))}, out)
	}
	out = tl.flush(out)
	pos := make([]time.Duration, len(out))
	for i, p := range out {
		if int(p.data[0]) != i%256 {
			panic("frames out of order")
		}
		pos[i] = p.pos
	}
	return pos
}

const frameDur = 20 * time.Millisecond

func steady(i int) uint32 { return 0xffff0000 + uint32(i)*960 } // wraps around on the way

func TestTimelinePlacesByTimestampsWhileTheStreamRuns(t *testing.T) {
	jitter := []time.Duration{0, 7, 2, 15, 1, 30, 4}
	pos := stream(200, steady, func(i int) time.Duration {
		return time.Duration(i)*frameDur + jitter[i%len(jitter)]*time.Millisecond
	})
	for i, p := range pos {
		if p != time.Duration(i)*frameDur {
			t.Fatalf("frame %d at %v, want %v", i, p, time.Duration(i)*frameDur)
		}
	}
}

// A mute of 1.5 s during which the timestamps stood still (as a Go publisher's
// do): the frames after it are placed 1.5 s later.
func TestTimelineKeepsTheTimeOfABreak(t *testing.T) {
	pos := stream(200, steady, func(i int) time.Duration {
		d := time.Duration(i) * frameDur
		if i >= 100 {
			d += 1500 * time.Millisecond
		}
		return d
	})
	for i, p := range pos {
		want := time.Duration(i) * frameDur
		if i >= 100 {
			want += 1500 * time.Millisecond
		}
		if p != want {
			t.Fatalf("frame %d at %v, want %v", i, p, want)
		}
	}
}

// A reader that stalled 700 ms reads its backlog at once: nothing moves.
func TestTimelineIgnoresAStalledReader(t *testing.T) {
	pos := stream(200, steady, func(i int) time.Duration {
		d := time.Duration(i) * frameDur
		if i >= 100 && d < 2700*time.Millisecond {
			d = 2700 * time.Millisecond // frames 100..134 all read at once
		}
		return d
	})
	for i, p := range pos {
		if p != time.Duration(i)*frameDur {
			t.Fatalf("frame %d at %v, want %v", i, p, time.Duration(i)*frameDur)
		}
	}
}

// Lost frames and a publisher whose network was cut (its timestamps went on)
// leave a gap of their own length.
func TestTimelineLeavesGapsForLostFrames(t *testing.T) {
	skip := func(i int) int {
		if i >= 50 {
			return i + 100 // two seconds missing
		}
		return i
	}
	pos := stream(150, func(i int) uint32 { return steady(skip(i)) },
		func(i int) time.Duration { return time.Duration(skip(i)) * frameDur })
	for i, p := range pos {
		if want := time.Duration(skip(i)) * frameDur; p != want {
			t.Fatalf("frame %d at %v, want %v", i, p, want)
		}
	}
}

// Timestamps that jump a second ahead of the clock (a forwarder's
// discontinuity) are closed up: the file holds no time that never passed.
func TestTimelineClosesUpTimestampsThatJumpAhead(t *testing.T) {
	jump := func(i int) int {
		if i >= 20 {
			return i + 50
		}
		return i
	}
	pos := stream(100, func(i int) uint32 { return steady(jump(i)) },
		func(i int) time.Duration { return time.Duration(i) * frameDur })
	for i, p := range pos {
		if p != time.Duration(i)*frameDur {
			t.Fatalf("frame %d at %v, want %v", i, p, time.Duration(i)*frameDur)
		}
	}
}

// A first frame that came 700 ms late (a reader busy at the start) moves
// nothing either.
func TestTimelineIgnoresALateFirstFrame(t *testing.T) {
	pos := stream(100, steady, func(i int) time.Duration {
		return max(time.Duration(i)*frameDur, 700*time.Millisecond)
	})
	for i, p := range pos {
		if p != time.Duration(i)*frameDur {
			t.Fatalf("frame %d at %v, want %v", i, p, time.Duration(i)*frameDur)
		}
	}
}

func TestDiscontinuityBelowThresholdIsClosedUp(t *testing.T) {
	pos := stream(100, steady, func(i int) time.Duration {
		d := time.Duration(i) * frameDur
		if i >= 50 {
			d += 300 * time.Millisecond
		}
		return d
	})
	if pos[50] != 50*frameDur {
		t.Errorf("frame 50 at %v, want %v", pos[50], 50*frameDur)
	}
}

func TestClockOffsetIsTheFastestReport(t *testing.T) {
	var c clockOffsets
	ntp := time.Unix(5000, 0)
	if _, ok := c.offset("p"); ok {
		t.Fatal("offset before any report")
	}
	c.observe("p", ntp, ntp.Add(80*time.Millisecond))
	c.observe("p", ntp.Add(time.Second), ntp.Add(time.Second+5*time.Millisecond))
	c.observe("p", ntp.Add(2*time.Second), ntp.Add(2*time.Second+40*time.Millisecond))
	if o, _ := c.offset("p"); o != 5*time.Millisecond {
		t.Errorf("offset %v, want 5ms", o)
	}
}
