package loadtest

import (
	"sync"
	"time"
)

// freezeGap is the gap between two video frames that counts as a freeze.
const freezeGap = 500 * time.Millisecond

// delaySampleEvery keeps one end-to-end delay sample in this many, which bounds memory on
// long runs while still giving stable percentiles.
const delaySampleEvery = 8

// StreamStats measures one received RTP stream. OnPacket is called by the stream's reader
// goroutine; Snapshot may be called from any goroutine.
type StreamStats struct {
	mu sync.Mutex

	video     bool
	clockRate uint32

	started     bool
	firstAt     time.Time
	lastAt      time.Time
	highestSeq  uint32 // extended sequence number (with wrap count)
	baseSeq     uint32
	received    uint64
	bytes       uint64
	lastFrameAt time.Time
	freezes     int
	ended       bool // the track ended (unsubscribed, or its receiver left)

	// RFC 3550 interarrival jitter, in RTP timestamp units.
	jitter       float64
	lastTransit  int64
	transitKnown bool

	delayCount int
	delaysMS   []float64
}

// NewStreamStats measures a stream of the given kind and RTP clock rate.
func NewStreamStats(video bool, clockRate uint32) *StreamStats {
	return &StreamStats{video: video, clockRate: clockRate}
}

// PacketInfo is what StreamStats needs of one received RTP packet.
type PacketInfo struct {
	Arrival        time.Time
	SequenceNumber uint16
	Timestamp      uint32
	Marker         bool
	PayloadBytes   int
	// CaptureTime comes from the abs-capture-time extension; zero when absent.
	CaptureTime time.Time
}

// OnPacket accounts for one received packet.
func (s *StreamStats) OnPacket(p PacketInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ext := s.extend(p.SequenceNumber)
	if !s.started {
		s.started = true
		s.firstAt = p.Arrival
		s.baseSeq = ext
		s.highestSeq = ext
		s.lastFrameAt = p.Arrival
	}
	if ext > s.highestSeq {
		s.highestSeq = ext
	}
	s.received++
	s.bytes += uint64(p.PayloadBytes)
	s.lastAt = p.Arrival
	s.updateJitter(p)
	if s.video && p.Marker {
		if p.Arrival.Sub(s.lastFrameAt) > freezeGap {
			s.freezes++
		}
		s.lastFrameAt = p.Arrival
	}
	if !p.CaptureTime.IsZero() {
		s.delayCount++
		if s.delayCount%delaySampleEvery == 1 {
			s.delaysMS = append(s.delaysMS, float64(p.Arrival.Sub(p.CaptureTime).Microseconds())/1000)
		}
	}
}

// extend turns a 16-bit sequence number into a 32-bit one that keeps growing across wraps.
func (s *StreamStats) extend(seq uint16) uint32 {
	if !s.started {
		return 1<<16 + uint32(seq) // start one cycle in so that early reordering stays positive
	}
	cycles := s.highestSeq &^ 0xffff
	last := uint16(s.highestSeq)
	switch {
	case seq < last && last-seq > 0x8000: // wrapped forward
		cycles += 1 << 16
	case seq > last && seq-last > 0x8000: // a late packet from the previous cycle
		cycles -= 1 << 16
	}
	return cycles | uint32(seq)
}

func (s *StreamStats) updateJitter(p PacketInfo) {
	if s.clockRate == 0 {
		return
	}
	arrival := p.Arrival.Sub(s.firstAt).Seconds() * float64(s.clockRate)
	transit := int64(arrival) - int64(p.Timestamp)
	if s.transitKnown {
		d := transit - s.lastTransit
		if d < 0 {
			d = -d
		}
		s.jitter += (float64(d) - s.jitter) / 16
	}
	s.lastTransit = transit
	s.transitKnown = true
}

// StreamSnapshot is a point-in-time reading of a StreamStats.
type StreamSnapshot struct {
	Received uint64
	Expected uint64
	Bytes    uint64
	Freezes  int
	JitterMS float64
	Duration time.Duration // first to last packet
	DelaysMS []float64
}

// Lost is how many expected packets never arrived (never negative).
func (s StreamSnapshot) Lost() uint64 {
	if s.Received >= s.Expected {
		return 0
	}
	return s.Expected - s.Received
}

// End marks the stream as finished on purpose (the receiver left, or the track was
// unpublished): its silence from then on is not a freeze.
func (s *StreamStats) End() {
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
}

// Snapshot reads the stream's counters and its delay samples. A stream still running
// whose last frame is older than freezeGap at `now` counts one more freeze: a stream
// that stopped is the worst freeze of all.
func (s *StreamStats) Snapshot(now time.Time) StreamSnapshot { return s.snapshot(now, true) }

// snapshot is Snapshot, without the delay samples unless delays is set: the
// progress line, every few seconds, needs no percentiles, and copying every sample
// of every stream each time (hundreds of thousands after a minute at a few hundred
// subscribers), then sorting them, was waste.
func (s *StreamStats) snapshot(now time.Time, delays bool) StreamSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := StreamSnapshot{
		Received: s.received,
		Bytes:    s.bytes,
		Freezes:  s.freezes,
	}
	if delays {
		snap.DelaysMS = append([]float64(nil), s.delaysMS...)
	}
	if !s.started {
		return snap
	}
	snap.Expected = uint64(s.highestSeq-s.baseSeq) + 1
	snap.Duration = s.lastAt.Sub(s.firstAt)
	if s.clockRate > 0 {
		snap.JitterMS = s.jitter / float64(s.clockRate) * 1000
	}
	if s.video && !s.ended && now.Sub(s.lastFrameAt) > freezeGap {
		snap.Freezes++
	}
	return snap
}
