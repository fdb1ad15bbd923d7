package sendbwe

import "time"

// delaySmoothing weighs each new one-way delay in the running delay.
const delaySmoothing = 0.2

// baselineSpan is how long the least one-way delay is remembered: the
// baseline is the least over the current span and the one before, so it
// follows a route whose delay changes, and a queue that stays full for
// longer than that is no longer seen as growth.
const baselineSpan = 2 * time.Second

// queueGrowth measures how far the one-way delay of the latest packets
// stands above the least seen lately: how long packets now wait in a queue
// that was empty then. Unlike the delay detector's trend, which says whether
// a queue is growing now, it says how full it is, in time, which is what a
// probe is judged by. The one-way delay is the receiver's clock minus ours;
// the offset between the clocks cancels out of every difference.
type queueGrowth struct {
	smoothD   float64
	haveD     bool
	span      int64 // index of the current baseline span (send time / baselineSpan)
	minNow    int64 // least delay in the current span
	minBefore int64 // least delay in the span before (the current one's when none came)
}

// observe takes the one-way delay d (micros) of a packet sent at sentUs.
func (q *queueGrowth) observe(d, sentUs int64) {
	span := sentUs / baselineSpan.Microseconds()
	switch {
	case !q.haveD:
		q.smoothD, q.haveD = float64(d), true
		q.span, q.minNow, q.minBefore = span, d, d
	case span > q.span:
		// A new span: the one before is the current one, or nothing if
		// spans went by without feedback.
		q.minBefore = q.minNow
		if span > q.span+1 {
			q.minBefore = d
		}
		q.span, q.minNow = span, d
	}
	q.minNow = min(q.minNow, d)
	q.smoothD += delaySmoothing * (float64(d) - q.smoothD)
}

func (q *queueGrowth) growth() time.Duration {
	if !q.haveD {
		return 0
	}
	return time.Duration(max(0, q.smoothD-float64(min(q.minNow, q.minBefore)))) * time.Microsecond
}

// Totals are cumulative counts since the estimator was made; the difference
// of two readings is what happened in between.
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
