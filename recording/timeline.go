package recording

import (
	"sync"
	"time"
)

const (
	// gapThreshold is how far the arrivals may fall behind the RTP timestamps
	// for good before the stream counts as broken (a mute during which the
	// publisher's timestamps stood still): beyond any jitter, below a
	// noticeable slip. Shorter breaks are closed up.
	gapThreshold = 400 * time.Millisecond
	// lagWindow is how long frames wait before being placed: a break is
	// confirmed only when every frame of the following window arrived late
	// too. A reader that stalled (a loaded machine) reads its backlog in a
	// burst, whose last frames arrive on time again: no break.
	lagWindow = time.Second
)

// frame is one assembled frame waiting for its position.
type frame struct {
	data    []byte
	ts      uint32
	arrival time.Time
}

// placedFrame is a frame and its position from the start of its file.
type placedFrame struct {
	data []byte
	pos  time.Duration
}

// timeline places the frames of one file: by their RTP timestamps while the
// stream runs, and by the time that passed across a break, when the timestamps
// stopped following the clock (see the package doc). It sees each frame's lag,
// its arrival minus its timestamp; the lag is constant in a running stream (up
// to jitter) and rises for good after a break.
type timeline struct {
	clockRate uint32
	started   bool
	lastTS    uint32
	ticks     int64 // unwrapped timestamp of the last frame pushed, from the first
	queue     []queued
	based     bool
	prevLag   time.Duration // of the frame placed last
	base      time.Duration // the run's smallest lag
	shift     time.Duration // the breaks so far
	lastPos   time.Duration
	placedAny bool
	interval  time.Duration // the last ordinary step between two frames' timestamps
	zeroSet   bool
	zero      time.Time
}

type queued struct {
	frame
	elapsed time.Duration // by RTP, from the file's first frame
	lag     time.Duration
	// step is the least distance from the previous frame in the file: its
	// timestamps' step, or, across a jump of the timestamps, the stream's
	// interval between frames.
	step time.Duration
}

func (tl *timeline) ticksOf(d time.Duration) int64 {
	return int64(d) * int64(tl.clockRate) / int64(time.Second)
}

// push adds the next frame (in decoding order) and returns the frames whose
// position is now known. A timestamp that does not advance (the same as the
// last frame's: a frame seen twice, or one a layer switch gave the same time;
// or earlier: a sender's new time base) is taken to follow the previous frame
// by one interval: it is written, and never at the position of another.
func (tl *timeline) push(f frame, out []placedFrame) []placedFrame {
	if !tl.started {
		tl.started, tl.lastTS = true, f.ts
	}
	ticks := int64(int32(f.ts - tl.lastTS))
	first := len(tl.queue) == 0 && !tl.placedAny
	prev := time.Duration(tl.ticks * int64(time.Second) / int64(tl.clockRate))
	var elapsed time.Duration
	switch {
	case !first && ticks <= 0 && -ticks < tl.ticksOf(gapThreshold):
		// Not advancing: one interval after the last frame, for this frame
		// only; the frames after it are timed from the last frame's timestamp.
		elapsed = prev + max(tl.interval, time.Millisecond)
	default:
		switch {
		case first && ticks == 0:
		case ticks <= 0: // a new time base
			ticks = max(tl.ticksOf(tl.interval), 1)
		case ticks < tl.ticksOf(gapThreshold):
			tl.interval = time.Duration(ticks * int64(time.Second) / int64(tl.clockRate))
		}
		tl.ticks += ticks
		tl.lastTS = f.ts
		elapsed = time.Duration(tl.ticks * int64(time.Second) / int64(tl.clockRate))
	}
	step := elapsed - prev
	if step >= gapThreshold || step <= 0 {
		step = tl.interval
	}
	q := queued{frame: f, elapsed: elapsed, step: max(step, time.Millisecond)}
	q.lag = f.arrival.Sub(tl.origin(f, elapsed)) - elapsed
	tl.queue = append(tl.queue, q)
	for len(tl.queue) > 0 && elapsed-tl.queue[0].elapsed >= lagWindow {
		out = tl.release(out)
	}
	return out
}

// origin is the arrival the first frame had, the zero of lags.
func (tl *timeline) origin(f frame, elapsed time.Duration) time.Time {
	if tl.zeroSet {
		return tl.zero
	}
	tl.zeroSet, tl.zero = true, f.arrival.Add(-elapsed)
	return tl.zero
}

// flush places every frame still waiting (the file ends).
func (tl *timeline) flush(out []placedFrame) []placedFrame {
	for len(tl.queue) > 0 {
		out = tl.release(out)
	}
	return out
}

// release places the oldest waiting frame. A lag that rose for good (the
// smallest lag of the window after the frame is up) is a break: the frames
// move later by it. A lag that fell below both the previous frame's and the
// run's smallest is a jump of the timestamps, a sender's or a forwarder's
// discontinuity: the frames move earlier by it, so that the file holds no time
// that never passed. A stalled reader raises the lags of its backlog only, its
// last frames come on time: neither. Every frame lies at least its step after
// the previous one (queued.step), so no two frames share a position.
func (tl *timeline) release(out []placedFrame) []placedFrame {
	head := tl.queue[0]
	lag := head.lag
	for _, q := range tl.queue[1:] {
		lag = min(lag, q.lag)
	}
	if !tl.based {
		tl.based, tl.base = true, head.lag
	} else if jump := min(tl.prevLag, tl.base) - head.lag; jump > gapThreshold {
		// The lag fell below the previous frame's and the run's: the
		// timestamps ran ahead. The previous frame's lag alone would take a
		// frame that came late (a stalled reader's backlog) followed by one on
		// time, across a wait for a key frame, for a jump, and cut time that
		// passed.
		tl.shift -= jump
		tl.base -= jump
	}
	switch {
	case lag-tl.base > gapThreshold:
		tl.shift += lag - tl.base
		tl.base = lag
	case head.lag < tl.base:
		tl.base = head.lag
	}
	tl.prevLag = head.lag
	pos := head.elapsed + tl.shift
	if least := tl.lastPos + head.step; tl.placedAny && pos < least {
		// A jump closed up to the arrivals, which came in a burst (a reader
		// that caught up, a key frame after a wait): the frame keeps its
		// distance from the previous one, and the frames after it follow.
		tl.shift += least - pos
		pos = least
	}
	tl.lastPos, tl.placedAny = pos, true
	tl.queue = tl.queue[1:]
	return append(out, placedFrame{data: head.data, pos: pos})
}

// clockOffsets holds, per participant, the offset from the clock of its sender
// reports (the server's, which maps the publisher's reports onto it) to the
// recorder's: the smallest arrival minus NTP time of its reports, that of the
// report that travelled fastest. One offset serves all of a participant's
// tracks, so their relative timing stays the sender's.
type clockOffsets struct {
	mu sync.Mutex
	m  map[string]time.Duration
}

// observe takes one report into account.
func (c *clockOffsets) observe(participantSID string, ntp, arrival time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]time.Duration)
	}
	d := arrival.Sub(ntp)
	if o, ok := c.m[participantSID]; !ok || d < o {
		c.m[participantSID] = d
	}
}

// offset is the participant's offset (false before any report).
func (c *clockOffsets) offset(participantSID string) (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.m[participantSID]
	return o, ok
}
