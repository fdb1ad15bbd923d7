package sendbwe

import "math"

// The rate controller of the GCC draft (section 5.5): additive-increase,
// multiplicative-decrease driven by the delay detector's Usage, the decrease
// taken from what the receiver acknowledged rather than from what was sent,
// and a loss-based decrease on top (section 6).

const (
	// decreaseFactor: on overuse the target becomes this share of the
	// acknowledged rate.
	decreaseFactor = 0.85
	// increasePerSecond is the multiplicative growth far from the last
	// congestion; additivePerSecond the growth near it, about one packet per
	// response time (a round trip and 100 ms).
	increasePerSecond = 1.08
	additivePerSecond = 48_000.0
	minIncrease       = 1_000.0
	// The target is not raised above 1.5 times the acknowledged rate (and
	// 10 kbit/s): an application-limited flow says nothing of the room above
	// it. The cap never lowers the target.
	ackedHeadroom      = 1.5
	ackedHeadroomFixed = 10_000.0
	// capacitySpread: an acknowledged rate this far above the capacity seen at
	// the last congestion means the link grew; growth is multiplicative again.
	capacitySpread = 1.25
	// decreaseIntervalUs: a decrease waits this long after the last one,
	// about a round trip and the feedback interval, so that it judges packets
	// sent after that one.
	decreaseIntervalUs = 200_000
	// maxIncreaseGapUs bounds the time an increase is computed over: after a
	// silence the first feedback does not make a leap.
	maxIncreaseGapUs = 1_000_000

	// Loss: over at least lossMinPackets reported, at most every
	// lossIntervalUs, more than lossHigh lost lowers the target by half the
	// loss ratio.
	lossMinPackets = 20
	lossIntervalUs = 300_000
	lossHigh       = 0.1
)

type rateState int8

const (
	stateHold rateState = iota
	stateIncrease
)

// rateControl is the target bitrate of one link.
type rateControl struct {
	target, minRate, maxRate float64
	state                    rateState
	changedUs                int64 // our clock, micros
	capacity                 float64
	haveCapacity             bool
	decreases                uint64

	lossReported, lossLost uint64
	lossEvaluatedUs        int64
	lossy                  bool // the last evaluated loss was above lossHigh
	lossDecreases          uint64
}

func (r *rateControl) init(initial, minRate, maxRate float64) {
	*r = rateControl{target: initial, minRate: minRate, maxRate: maxRate}
}

// onUsage applies the detector's signal after a feedback; fresh tells
// whether the detector found overuse anew in it; acked is the acknowledged
// rate (0: not known yet).
func (r *rateControl) onUsage(u Usage, fresh bool, acked float64, nowUs int64) {
	switch u {
	case Overuse:
		if acked <= 0 || !fresh {
			// Nothing to decrease from yet; or the queue found before still
			// drains: what arrives now is what was sent after the decrease,
			// and 0.85 of it would be a second decrease for one congestion.
			return
		}
		if r.state == stateHold && r.changedUs != 0 && nowUs-r.changedUs < decreaseIntervalUs {
			return // the last decrease has not reached the receiver yet
		}
		r.target = min(r.target, decreaseFactor*acked)
		r.capacity, r.haveCapacity = acked, true
		r.state, r.changedUs = stateHold, nowUs
		r.decreases++
	case Underuse:
		// A queue draining: hold, so that it drains.
		r.state, r.changedUs = stateHold, nowUs
	default:
		if r.state == stateHold {
			r.state, r.changedUs = stateIncrease, nowUs
			break
		}
		r.increase(acked, nowUs)
	}
	r.clamp()
}

func (r *rateControl) increase(acked float64, nowUs int64) {
	elapsed := float64(min(max(nowUs-r.changedUs, 0), maxIncreaseGapUs)) / 1e6
	r.changedUs = nowUs
	if r.haveCapacity && acked > capacitySpread*r.capacity {
		r.haveCapacity = false
	}
	var next float64
	if r.haveCapacity {
		next = r.target + additivePerSecond*elapsed
	} else {
		next = r.target * math.Pow(increasePerSecond, elapsed)
	}
	next = max(next, r.target+minIncrease*elapsed)
	if acked > 0 {
		if limit := ackedHeadroom*acked + ackedHeadroomFixed; next > limit {
			next = max(r.target, limit)
		}
	}
	r.target = next
}

// onLoss counts reported packets and, every lossIntervalUs with enough of
// them, lowers the target when too many were lost.
func (r *rateControl) onLoss(reported, lost uint64, nowUs int64) {
	r.lossReported += reported
	r.lossLost += lost
	if r.lossReported < lossMinPackets || nowUs-r.lossEvaluatedUs < lossIntervalUs {
		return
	}
	ratio := float64(r.lossLost) / float64(r.lossReported)
	r.lossReported, r.lossLost, r.lossEvaluatedUs = 0, 0, nowUs
	r.lossy = ratio > lossHigh
	if r.lossy {
		r.target *= 1 - ratio/2
		r.state, r.changedUs = stateHold, nowUs
		r.lossDecreases++
		r.clamp()
	}
}

func (r *rateControl) clamp() {
	r.target = min(max(r.target, r.minRate), r.maxRate)
}
