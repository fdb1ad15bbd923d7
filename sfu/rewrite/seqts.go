package rewrite

import "time"

// SeqTS rewrites the sequence numbers and timestamps of one outgoing stream.
//
// Within a run (packets of one source stream), the output is the input shifted
// by fixed offsets, so gaps and reordering of the source are preserved and NACKs
// keep their meaning. Rebase starts a new run: its first packet gets the next
// sequence number after the highest one sent and a timestamp advanced by the
// wall time elapsed since that packet, so the receiver sees one stream that
// neither jumps nor goes back.
//
// The zero value must be initialised with Init before use.
type SeqTS struct {
	clockRate uint64
	started   bool
	rebase    bool

	seqOffset uint16
	tsOffset  uint32

	// Source sequence numbers unwrapped to a counter, to tell old from new
	// across the 16-bit wrap.
	highestSrc int64
	runStart   int64

	lastOutSeq uint16 // output sequence number of the highest packet sent
	lastOutTS  uint32 // output timestamp of the highest packet sent
	lastAt     int64  // wall time (ns) when the highest packet was sent
}

// Init sets the clock rate (Hz) of the stream's RTP timestamps and resets the
// state.
func (s *SeqTS) Init(clockRate uint32) {
	*s = SeqTS{clockRate: uint64(clockRate)}
	if s.clockRate == 0 {
		s.clockRate = 90000
	}
}

// Rebase makes the next packet start a new run (new source, layer switch or
// resume after a pause).
func (s *SeqTS) Rebase() { s.rebase = true }

// Started reports whether a packet has been rewritten yet.
func (s *SeqTS) Started() bool { return s.started }

// Last returns the output sequence number and timestamp of the highest packet
// sent so far.
func (s *SeqTS) Last() (seq uint16, ts uint32) { return s.lastOutSeq, s.lastOutTS }

// Rewrite maps a source packet to its output sequence number and timestamp.
// now is the wall time in nanoseconds (any monotonic origin). It reports false
// for a packet that must be dropped: one older than the start of the current
// run, which would collide with packets already sent.
func (s *SeqTS) Rewrite(seq uint16, ts uint32, now int64) (outSeq uint16, outTS uint32, ok bool) {
	switch {
	case !s.started:
		s.started = true
		s.rebase = false
		s.seqOffset, s.tsOffset = 0, 0
		s.highestSrc = 1<<16 + int64(seq)
		s.runStart = s.highestSrc
		s.record(seq, ts, now)
		return seq, ts, true
	case s.rebase:
		s.rebase = false
		outSeq = s.lastOutSeq + 1
		outTS = s.lastOutTS + s.elapsedTicks(now)
		s.seqOffset = outSeq - seq
		s.tsOffset = outTS - ts
		s.highestSrc = 1<<16 + int64(seq)
		s.runStart = s.highestSrc
		s.lastOutSeq, s.lastOutTS, s.lastAt = outSeq, outTS, now
		return outSeq, outTS, true
	}
	ext := s.highestSrc + int64(int16(seq-uint16(s.highestSrc)))
	if ext < s.runStart {
		return 0, 0, false
	}
	outSeq, outTS = seq+s.seqOffset, ts+s.tsOffset
	if ext > s.highestSrc {
		s.highestSrc = ext
		s.lastOutSeq, s.lastOutTS, s.lastAt = outSeq, outTS, now
	}
	return outSeq, outTS, true
}

// record notes the first packet of the stream as the highest sent.
func (s *SeqTS) record(seq uint16, ts uint32, now int64) {
	s.lastOutSeq, s.lastOutTS, s.lastAt = seq, ts, now
}

// elapsedTicks converts the wall time since the last packet into timestamp
// units, at least one so that the new run never repeats a timestamp.
func (s *SeqTS) elapsedTicks(now int64) uint32 {
	d := now - s.lastAt
	if d <= 0 {
		return 1
	}
	ticks := uint64(d) / uint64(time.Microsecond) * s.clockRate / 1_000_000
	if ticks == 0 {
		return 1
	}
	return uint32(ticks)
}

// Skip drops the source packet seq without leaving a gap in the output, as for
// padding-only packets that carry no media. It works only for the packet right
// after the highest one seen (the usual case); otherwise it reports false and
// the caller drops the packet, leaving a gap the receiver may NACK.
func (s *SeqTS) Skip(seq uint16) bool {
	if !s.started || s.rebase {
		return false
	}
	ext := s.highestSrc + int64(int16(seq-uint16(s.highestSrc)))
	if ext != s.highestSrc+1 {
		return false
	}
	s.highestSrc = ext
	s.seqOffset--
	return true
}

// Insert makes room for a packet the forwarder adds to the stream (padding
// for bandwidth probing): it returns the next output sequence number and the
// timestamp of the last packet sent, and shifts the mapping so that the next
// source packet follows it without a gap. It reports false before the first
// packet and right after Rebase, when there is nothing to follow yet.
func (s *SeqTS) Insert() (outSeq uint16, outTS uint32, ok bool) {
	if !s.started || s.rebase {
		return 0, 0, false
	}
	s.seqOffset++
	s.lastOutSeq++
	return s.lastOutSeq, s.lastOutTS, true
}
