package sendbwe

import (
	"encoding/binary"
	"sync"
	"time"
)

// ringSize bounds the packets remembered until their feedback: at a few
// thousand packets a second a slot is reused seconds after its packet was
// sent, long after the feedback on it came (or would have).
const ringSize = 4096

type sentPacket struct {
	seq   uint16
	valid bool
	size  uint16
	at    int64 // unix micros, our clock
}

// Estimator is the send-side bandwidth estimate of one link: it records the
// packets sent with a transport-wide sequence number and reads the
// receiver's feedback on them. Safe for concurrent use: packets are recorded
// by the writers, feedback read by the RTCP readers, readings taken by the
// allocator. Make one with New.
type Estimator struct {
	mu     sync.Mutex
	ring   [ringSize]sentPacket
	totals Totals
	queue  queueGrowth
	delay  delayDetector
	acked  ackedRate
	rate   rateControl
	// reported and lost count the statuses of the feedback being read.
	reported, lost uint64
}

// New returns an estimator whose target starts at initial and stays within
// [minRate, maxRate] (bits per second).
func New(initial, minRate, maxRate int) *Estimator {
	e := &Estimator{}
	e.rate.init(float64(initial), float64(minRate), float64(maxRate))
	return e
}

// Sent records a packet of size bytes with transport-wide sequence number
// seq, sent at at.
func (e *Estimator) Sent(seq uint16, size int, at time.Time) {
	e.mu.Lock()
	e.ring[seq%ringSize] = sentPacket{seq: seq, valid: true, size: uint16(min(size, 0xffff)), at: at.UnixMicro()}
	e.totals.Sent++
	e.mu.Unlock()
}

// Found says what one compound RTCP packet held for the estimate.
type Found struct {
	TWCC    bool    // transport-wide feedback
	CCFB    bool    // RFC 8888 congestion control feedback (not read further)
	REMB    bool    // a receiver estimated maximum bitrate
	REMBBps float64 // its bitrate
}

// ReadRTCP reads the feedback in a compound RTCP packet received at now.
// Packets of other kinds are skipped by their length. On malformed input it
// returns what it found before the fault, and an error saying where it is;
// what was read stays read.
func (e *Estimator) ReadRTCP(b []byte, now time.Time) (Found, error) {
	var f Found
	for len(b) > 0 {
		if len(b) < 4 {
			return f, errRTCPTruncated
		}
		if b[0]>>6 != 2 {
			return f, errRTCPVersion
		}
		n := (int(binary.BigEndian.Uint16(b[2:])) + 1) * 4
		if n > len(b) {
			return f, errRTCPLength
		}
		pkt := b[:n]
		b = b[n:]
		format := pkt[0] & 0x1f
		switch pt := pkt[1]; {
		case pt == 205 && format == 15:
			f.TWCC = true
			if err := e.feedback(pkt, now); err != nil {
				return f, err
			}
		case pt == 205 && format == 11:
			f.CCFB = true
		case pt == 206 && format == 15 && isREMB(pkt):
			bps, err := parseREMB(pkt)
			if err != nil {
				return f, err
			}
			f.REMB, f.REMBBps = true, bps
		}
	}
	return f, nil
}

// feedback reads one transport-wide feedback packet and moves the target.
func (e *Estimator) feedback(pkt []byte, now time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reported, e.lost = 0, 0
	overuses := e.delay.overuses
	err := parseTWCC(pkt, e)
	nowUs := now.UnixMicro()
	if e.reported > 0 {
		e.rate.onUsage(e.delay.usage, e.delay.overuses != overuses, e.acked.rate, nowUs)
		e.rate.onLoss(e.reported, e.lost, nowUs)
	}
	return err
}

// status takes one packet status of the feedback being read (statusVisitor;
// called with e.mu held). A packet is counted once: the same feedback can
// reach the estimator more than once (a compound packet is handed to the
// reader of every SSRC it names), and a packet not recorded here (sent
// before, or by another sender) is skipped.
func (e *Estimator) status(seq uint16, received bool, arrivalUs int64) {
	p := &e.ring[seq%ringSize]
	if !p.valid || p.seq != seq {
		return
	}
	p.valid = false
	e.reported++
	if !received {
		e.totals.Lost++
		e.lost++
		return
	}
	e.totals.Received++
	e.queue.observe(arrivalUs-p.at, p.at)
	e.delay.packet(p.at, arrivalUs)
	e.acked.add(arrivalUs, int(p.size))
}

// Target is the estimate of what the link carries, bits per second.
func (e *Estimator) Target() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return int(e.rate.target)
}

// Congested reports whether the latest feedback showed a queue building
// (overuse) or more than 10 % loss.
func (e *Estimator) Congested() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.delay.usage == Overuse || e.rate.lossy
}

// Totals returns the cumulative counts.
func (e *Estimator) Totals() Totals {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.totals
}

// DelayGrowth is how far the smoothed one-way delay of the latest packets
// stands above the least seen over the last two baseline spans: how long
// packets now wait in a queue that was empty then. Zero before the feedback
// on two packets came.
func (e *Estimator) DelayGrowth() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.queue.growth()
}

// ResetDelay forgets the delay readings, so that the next growth is
// measured from the packets sent after now only: a probe after a long
// silence must not be compared with a queue the link had seconds ago.
func (e *Estimator) ResetDelay() {
	e.mu.Lock()
	e.queue.haveD = false
	e.mu.Unlock()
}

// Stats is the estimator's state, for traces and metrics.
type Stats struct {
	TargetBps     int
	AckedBps      int
	Usage         Usage
	Trend         float64 // the delay detector's modified trend (ms)
	Threshold     float64 // and the threshold it is compared with
	Decreases     uint64  // by the delay
	LossDecreases uint64
}

// Stats returns the estimator's state.
func (e *Estimator) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return Stats{TargetBps: int(e.rate.target), AckedBps: int(e.acked.rate), Usage: e.delay.usage,
		Trend: e.delay.modified, Threshold: e.delay.threshold,
		Decreases: e.rate.decreases, LossDecreases: e.rate.lossDecreases}
}
