package probe

import (
	"sync"
	"time"

	"github.com/pion/rtcp"
)

// ringSize bounds the packets remembered until their feedback: at a few
// thousand packets a second a slot is reused seconds after its packet was
// sent, long after the feedback on it came (or would have).
const ringSize = 4096

// delaySmoothing weighs each new one-way delay in the running delay.
const delaySmoothing = 0.2

// baselineSpan is how long the least one-way delay is remembered: the
// baseline is the least over the current span and the one before, so it
// follows a route whose delay changes, and a queue that stays full for
// longer than that is no longer seen as growth.
const baselineSpan = 2 * time.Second

type sentPacket struct {
	seq   uint16
	valid bool
	at    int64 // unix micros, our clock
}

// Totals are cumulative counts since the meter was made; the difference of
// two readings is what happened in between.
type Totals struct {
	Sent     uint64 // packets recorded
	Received uint64 // reported received
	Lost     uint64 // reported not received
}

// Sub returns the counts of t since earlier.
func (t Totals) Sub(earlier Totals) Totals {
	return Totals{Sent: t.Sent - earlier.Sent, Received: t.Received - earlier.Received, Lost: t.Lost - earlier.Lost}
}

// Reported is the number of packets the feedback spoke of.
func (t Totals) Reported() uint64 { return t.Received + t.Lost }

// LossRatio is the share of reported packets that were lost (0 when none
// was reported).
func (t Totals) LossRatio() float64 {
	if t.Reported() == 0 {
		return 0
	}
	return float64(t.Lost) / float64(t.Reported())
}

// Meter records the packets sent on one connection and reads the feedback
// about them. Safe for concurrent use: packets are recorded by the writers,
// feedback read by the RTCP reader, readings taken by the allocator.
type Meter struct {
	mu     sync.Mutex
	ring   [ringSize]sentPacket
	totals Totals

	// One-way delay (receiver's clock minus ours, micros: the offset
	// between the clocks cancels out of every difference).
	smoothD   float64
	haveD     bool
	span      int64 // index of the current baseline span (send time / baselineSpan)
	minNow    int64 // least delay in the current span
	minBefore int64 // least delay in the span before (the current one's when none came)
}

// Sent records a packet with transport-wide sequence number seq, sent at at.
func (m *Meter) Sent(seq uint16, at time.Time) {
	m.mu.Lock()
	m.ring[seq%ringSize] = sentPacket{seq: seq, valid: true, at: at.UnixMicro()}
	m.totals.Sent++
	m.mu.Unlock()
}

// Totals returns the cumulative counts.
func (m *Meter) Totals() Totals {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.totals
}

// DelayGrowth is how far the smoothed one-way delay of the latest packets
// stands above the least seen over the last two baseline spans: how long
// packets now wait in a queue that was empty then. Zero before the feedback
// on two packets came.
func (m *Meter) DelayGrowth() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.haveD {
		return 0
	}
	return time.Duration(max(0, m.smoothD-float64(min(m.minNow, m.minBefore)))) * time.Microsecond
}

// ResetDelay forgets the delay readings, so that the next growth is
// measured from the packets sent after now only: a probe after a long
// silence must not be compared with a queue the link had seconds ago.
func (m *Meter) ResetDelay() {
	m.mu.Lock()
	m.haveD = false
	m.mu.Unlock()
}

// Feedback reads one transport-wide feedback packet. Packets this meter did
// not record are skipped; each recorded packet is counted once.
func (m *Meter) Feedback(fb *rtcp.TransportLayerCC) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// The arrival clock: the reference time (64 ms units; it wraps every
	// 12 days, which costs one misread delay) plus the deltas of the
	// received packets in order (microseconds in Pion's parse).
	arrival := int64(fb.ReferenceTime) * 64_000
	seq := fb.BaseSequenceNumber
	left := int(fb.PacketStatusCount)
	deltas := fb.RecvDeltas
	status := func(symbol uint16) {
		if left <= 0 {
			return
		}
		left--
		received := symbol == rtcp.TypeTCCPacketReceivedSmallDelta || symbol == rtcp.TypeTCCPacketReceivedLargeDelta
		if received {
			if len(deltas) == 0 {
				left = 0 // malformed: more received packets than deltas
				return
			}
			if deltas[0] != nil {
				arrival += deltas[0].Delta
			}
			deltas = deltas[1:]
		}
		m.account(seq, received, arrival)
		seq++
	}
	for _, chunk := range fb.PacketChunks {
		switch c := chunk.(type) {
		case *rtcp.RunLengthChunk:
			for range c.RunLength {
				status(c.PacketStatusSymbol)
			}
		case *rtcp.StatusVectorChunk:
			for _, s := range c.SymbolList {
				status(s)
			}
		}
	}
}

// account counts one reported packet, if this meter recorded it.
func (m *Meter) account(seq uint16, received bool, arrival int64) {
	p := &m.ring[seq%ringSize]
	if !p.valid || p.seq != seq {
		return
	}
	p.valid = false
	if !received {
		m.totals.Lost++
		return
	}
	m.totals.Received++
	d := arrival - p.at
	span := p.at / baselineSpan.Microseconds()
	switch {
	case !m.haveD:
		m.smoothD, m.haveD = float64(d), true
		m.span, m.minNow, m.minBefore = span, d, d
	case span > m.span:
		// A new span: the one before is the current one, or nothing if
		// spans went by without feedback.
		m.minBefore = m.minNow
		if span > m.span+1 {
			m.minBefore = d
		}
		m.span, m.minNow = span, d
	}
	m.minNow = min(m.minNow, d)
	m.smoothD += delaySmoothing * (float64(d) - m.smoothD)
}
