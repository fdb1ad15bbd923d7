package sfu

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu/internal/sendbwe"
	"github.com/ensemble-sfu/ensemble/sfu/internal/starvation"
	"github.com/ensemble-sfu/ensemble/sfu/twccext"
	"github.com/pion/interceptor"
)

// Bandwidth estimation toward subscribers. The send-side estimator of each
// subscriber's link (package sendbwe, from its TWCC feedback) tells when the
// link is congested; on top of it the allocator's estimate is raised only by
// a successful probe, because the estimator alone never goes much above what
// is sent (1.5 times the acknowledged rate) and a subscriber that receives a
// low layer would never be seen able to take a higher one. A probe is judged
// by the feedback on its own packets (sendbwe's counts and queue reading),
// not by the estimator's congestion flag, whose state dates from the last
// media it saw.
const (
	// initialEstimate is trusted until the link proves it wrong; a small
	// value would start every meeting with paused videos.
	initialEstimate = 3_000_000
	minEstimate     = 50_000
	maxEstimate     = 50_000_000
	// probeDuration: padding must flow this long without congestion for a
	// probe to succeed.
	probeDuration = 700 * time.Millisecond
	// probeAnswerWait is how long after probeDuration a probe waits for the
	// feedback on most of its packets before it is judged on what came.
	probeAnswerWait = 500 * time.Millisecond
	// A probe fails when more than probeLossLimit of its reported packets
	// were lost (and at least probeLossMin of them), or when the one-way
	// delay of its packets grew by more than probeDelayLimit: the link's
	// queue filled.
	probeLossLimit  = 0.1
	probeLossMin    = 3
	probeDelayLimit = 100 * time.Millisecond
	// The estimator's congestion is believed when the feedback of the last
	// confirmWindow shows more than probeLossLimit lost, or the delay grown
	// by congestionDelayLimit (see update).
	confirmWindow        = time.Second
	congestionDelayLimit = 50 * time.Millisecond
	// starvedProbeWait is how long a probe waits for its first feedback while
	// the machine is starved of CPU: the receiver's feedback (100 ms apart
	// when it runs on time) can then come seconds late, and a probe failed
	// for a silence the machine caused kept a subscriber paused for good on a
	// loaded machine.
	starvedProbeWait = 3 * time.Second
	// probeBackoff grows from min to max after each failed probe.
	probeBackoffMin = 1 * time.Second
	probeBackoffMax = 4 * time.Second
	// probeGuard: how long after a failed probe its congestion is not taken
	// for a smaller link.
	probeGuard = time.Second
	// rembTTL: a REMB older than this is ignored.
	rembTTL = 3 * time.Second
	// rembFloor is the least a REMB-only subscriber is given, whatever its REMB
	// says: enough for the lowest layer of two cameras and their audio. A
	// receiver-side estimator (REMB) measures what it receives; told 20-50
	// kbit/s at the start (aiortc), a server that paused the videos would never
	// see the estimate rise, since nothing arrives to raise it, and no probe can
	// help without transport-wide feedback.
	rembFloor = 400_000
)

// estimatorRegistry hands each subscriber connection its estimator and its
// transport-wide numbering (which its own write path shares, package
// srtpout): the interceptor factories make one of each per PeerConnection
// while the connection is being built, keyed by the connection's id.
type estimatorRegistry struct {
	mu   sync.Mutex
	byPC map[string]*connInterceptors
}

// connInterceptors are the interceptors of one subscriber connection that
// the SFU reaches past Pion.
type connInterceptors struct {
	link *linkEstimator
	twcc *twccext.Interceptor
}

func newEstimatorRegistry() *estimatorRegistry {
	return &estimatorRegistry{byPC: map[string]*connInterceptors{}}
}

// factory builds the estimator interceptor of subscriber connections.
func (r *estimatorRegistry) factory() interceptor.Factory { return estimatorFactory{r} }

// twccFactory builds the transport-wide numbering of subscriber connections.
func (r *estimatorRegistry) twccFactory() interceptor.Factory { return twccFactory{r} }

// entryLocked returns the connection's entry, made if need be.
func (r *estimatorRegistry) entryLocked(pcID string) *connInterceptors {
	c := r.byPC[pcID]
	if c == nil {
		c = &connInterceptors{}
		r.byPC[pcID] = c
	}
	return c
}

type estimatorFactory struct{ r *estimatorRegistry }

func (f estimatorFactory) NewInterceptor(id string) (interceptor.Interceptor, error) {
	e := &linkEstimator{sendbwe.NewLink(initialEstimate, minEstimate, maxEstimate)}
	f.r.mu.Lock()
	f.r.entryLocked(id).link = e
	f.r.mu.Unlock()
	return e.Link, nil
}

type twccFactory struct{ r *estimatorRegistry }

func (f twccFactory) NewInterceptor(id string) (interceptor.Interceptor, error) {
	i := &twccext.Interceptor{}
	f.r.mu.Lock()
	f.r.entryLocked(id).twcc = i
	f.r.mu.Unlock()
	return i, nil
}

// take returns (and forgets) the interceptors of the connection with this id.
func (r *estimatorRegistry) take(pcID string) connInterceptors {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.byPC[pcID]
	delete(r.byPC, pcID)
	if c == nil {
		return connInterceptors{}
	}
	return *c
}

// linkEstimator is a subscriber connection's bandwidth estimator (package
// sendbwe), fed by its interceptor, as the allocator reads it.
type linkEstimator struct{ *sendbwe.Link }

// GetTargetBitrate is the estimator's target, bits per second.
func (e *linkEstimator) GetTargetBitrate() int { return e.Est.Target() }

// everSentTWCC reports whether the subscriber has sent TWCC feedback at all.
func (e *linkEstimator) everSentTWCC() bool { return e.LastFeedback.Load() != 0 }

func (e *linkEstimator) sawTWCC(now time.Time, within time.Duration) bool {
	at := e.LastFeedback.Load()
	return at != 0 && now.UnixNano()-at < int64(within)
}

// congested reports whether the estimator sees the link overused or lossy
// now (its view, which the allocator checks against fresh feedback: see
// update).
func (e *linkEstimator) congested() bool { return e.Est.Congested() }

// bandwidthEstimate is the allocator's view of one subscriber's link: the
// estimate it shares among the tracks, raised by probes and lowered by the link estimator.
// Owned by the room's activity goroutine.
type bandwidthEstimate struct {
	link     *linkEstimator // nil: no estimation (the estimate stays initial)
	estimate int
	// starved tells when the machine is too busy to send and read packets
	// on time (nil: never): see update.
	starved cpuStarvation
	// ceiling, when set and above 0, caps the estimate (Engine.estimateCeiling).
	ceiling *atomic.Int64

	probing     bool
	probeTotals sendbwe.Totals // the meter's counts when the probe started
	// recent holds the meter's counts at each update, for the last
	// confirmWindow of feedback.
	recent      []stampedTotals
	probeTarget int
	probePeak   int // highest rate sent during the probe
	// A probe that fails congests the link itself: until guardUntil the
	// estimate does not fall below what it was before the probe, since the
	// media alone fitted then.
	preProbe     int
	guardUntil   time.Time
	probeStart   time.Time
	nextProbe    time.Time
	probeBackoff time.Duration
	lastSource   string
	// lastProbe is the verdict of the last probe, for the stats: "raised",
	// "no-answer", "congested", "lossy" or "short" (padding could not be
	// sent at the rate).
	lastProbe string
}

type stampedTotals struct {
	at time.Time
	t  sendbwe.Totals
}

// cpuStarvation is what the estimator asks of a starvation.Meter.
type cpuStarvation interface {
	Starved(now time.Time) bool
}

func newBandwidthEstimate(link *linkEstimator, starved *starvation.Meter, ceiling *atomic.Int64) *bandwidthEstimate {
	b := &bandwidthEstimate{link: link, ceiling: ceiling, estimate: initialEstimate,
		probeBackoff: probeBackoffMin, lastSource: "initial"}
	if starved != nil { // a nil *Meter in the interface would not read as nil
		b.starved = starved
	}
	return b
}

// isStarved reports whether the machine is (or just was) starved of CPU.
func (b *bandwidthEstimate) isStarved(now time.Time) bool {
	return b.starved != nil && b.starved.Starved(now)
}

// capped applies the test ceiling, if any, and reports whether it is set.
func (b *bandwidthEstimate) capped() bool {
	if b.ceiling == nil {
		return false
	}
	c := int(b.ceiling.Load())
	if c <= 0 {
		return false
	}
	b.estimate = min(b.estimate, c)
	b.endProbe()
	return true
}

// update refreshes the estimate from the link's signals; sending is the
// bitrate sent to the subscriber now (media and padding).
func (b *bandwidthEstimate) update(now time.Time, sending int) {
	if b.link == nil {
		return
	}
	defer b.capped()
	b.remember(now)
	if b.probing {
		b.probePeak = max(b.probePeak, sending)
		b.judgeProbe(now)
	}
	if !b.link.sawTWCC(now, 2*time.Second) {
		// A client that sends only REMB: take its word, down to rembFloor.
		if at := b.link.LastREMB.Load(); at != 0 && now.UnixNano()-at < int64(rembTTL) {
			b.estimate = clampEstimate(max(int(b.link.REMBBps.Load()), rembFloor))
			b.lastSource = "remb"
			return
		}
		// No feedback because nothing is sent (every video paused), or
		// none came back for the probe's padding: the estimate holds (a
		// probe with no answer fails in judgeProbe).
		if b.link.everSentTWCC() {
			b.lastSource = "no-feedback"
			if b.probing && b.isStarved(now) {
				b.lastSource = "no-feedback-starved"
			}
		}
		return
	}
	b.lastSource = "twcc"
	if b.probing {
		// The probe is judged by the feedback on its own packets; the estimator's
		// state may date from media sent before a pause. Its target is
		// still followed up while it sees no congestion.
		if !b.link.congested() {
			b.followTargetUp(now)
		}
		return
	}
	congested := b.link.congested()
	lossy, queued := b.confirmed(now)
	if congested && !lossy && b.isStarved(now) {
		// Feedback that shows packets arriving later and later while this
		// process waits for a CPU says the machine is busy, not the link:
		// the packets left late, or were read late by a receiver on the same
		// machine, for every subscriber at once. A lower layer would not
		// help: the delay is not believed and the estimate holds. Loss is
		// still believed.
		congested = false
		b.lastSource = "twcc-starved"
	}
	if congested && !lossy && !queued {
		// The estimator's state can be seconds old (it changes only with the feedback
		// it reads, and a paused subscriber sends none), or its delay
		// detector can trip on a burst: without fresh loss or a queue in the
		// feedback itself, the congestion is not believed. (A probe that
		// succeeded was undone at once by such a stale "decrease".) Nor is
		// its target followed up: the estimate holds.
		b.lastSource = "twcc-unconfirmed"
		return
	}
	if congested {
		// The estimator drops to 0.85 times the rate it saw received, which a stall of
		// this machine or of the receiver can make tiny: a link that carried
		// what was just sent is not below half of it. Repeated congestion
		// keeps halving as the allocator sends less.
		g := max(b.link.GetTargetBitrate(), sending/2)
		if now.Before(b.guardUntil) {
			g = max(g, b.preProbe)
		}
		if g < b.estimate {
			b.estimate = clampEstimate(g)
			// No probe into a link just seen congested: its padding would
			// only be lost with the media.
			b.nextProbe = later(b.nextProbe, now.Add(b.probeBackoff))
		}
		return
	}
	b.followTargetUp(now)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// confirmed reports whether the feedback of the last confirmWindow shows
// loss, and whether the delay of the latest packets shows a queue (not
// believed while the machine is starved of CPU).
func (b *bandwidthEstimate) confirmed(now time.Time) (lossy, queued bool) {
	w := b.recent[len(b.recent)-1].t.Sub(b.recent[0].t)
	lossy = w.Lost >= probeLossMin && w.LossRatio() > probeLossLimit
	queued = b.link.Est.DelayGrowth() > congestionDelayLimit && !b.isStarved(now)
	return lossy, queued
}

// remember keeps the meter's counts of the last confirmWindow.
func (b *bandwidthEstimate) remember(now time.Time) {
	b.recent = append(b.recent, stampedTotals{now, b.link.Est.Totals()})
	for len(b.recent) > 1 && now.Sub(b.recent[1].at) >= confirmWindow {
		b.recent = b.recent[1:]
	}
}

// followTargetUp follows the estimator's own target up, never down: without
// congestion it grows (slowly, up to 1.5 times what is sent).
func (b *bandwidthEstimate) followTargetUp(now time.Time) {
	if g := b.link.GetTargetBitrate(); g > b.estimate && !now.Before(b.guardUntil) {
		b.estimate = clampEstimate(g)
	}
}

// judgeProbe ends the running probe when the feedback on its packets says
// the link could not carry it (loss, or a queue filling), or once it has run
// its course and its feedback came: raised when the padding reached (most
// of) the target, "short" when it could not be sent at that rate.
func (b *bandwidthEstimate) judgeProbe(now time.Time) {
	r := b.link.Est.Totals().Sub(b.probeTotals)
	starved := b.isStarved(now)
	lossy := r.Lost >= probeLossMin && r.LossRatio() > probeLossLimit
	// A machine starved of CPU delays every packet, sent and read: growing
	// delay is not believed then (loss still is).
	queued := b.link.Est.DelayGrowth() > probeDelayLimit && !starved
	elapsed := now.Sub(b.probeStart)
	if elapsed < probeDuration && !lossy && !queued {
		return
	}
	wait := probeDuration + probeAnswerWait
	if starved {
		// The receiver's feedback, 100 ms apart when it runs on time, can
		// then come seconds late: a probe failed for a silence the machine
		// caused kept a subscriber paused for good on a loaded machine.
		wait = starvedProbeWait
	}
	answered := r.Reported() > 0 && r.Reported() >= (r.Sent+1)/2
	if !lossy && !queued && !answered && elapsed < wait {
		return // the feedback on most of the probe is still to come
	}
	switch {
	case lossy:
		b.failProbe(now, "lossy")
		b.guardUntil = now.Add(probeGuard)
	case queued:
		b.failProbe(now, "congested")
		b.guardUntil = now.Add(probeGuard)
	case r.Reported() == 0:
		b.failProbe(now, "no-answer")
	case b.probePeak >= b.probeTarget*8/10:
		// The link carried (most of) the probe without loss or queueing.
		b.endProbe()
		b.estimate = clampEstimate(max(b.estimate, b.probeTarget))
		b.probeBackoff = probeBackoffMin
		b.lastProbe = "raised"
	default:
		// Padding could not be sent at the rate (no frame boundary, paused):
		// try again later.
		b.endProbe()
		b.nextProbe = now.Add(b.probeBackoff)
		b.lastProbe = "short"
	}
}

// endProbe stops probing.
func (b *bandwidthEstimate) endProbe() { b.probing = false }

// failProbe ends a probe that congested the link or got no feedback, and
// waits longer before the next one.
func (b *bandwidthEstimate) failProbe(now time.Time, verdict string) {
	b.endProbe()
	b.lastProbe = verdict
	b.nextProbe = now.Add(b.probeBackoff)
	b.probeBackoff = min(2*b.probeBackoff, probeBackoffMax)
}

// wantProbe starts a probe toward target (bits per second) when the
// allocator would give more with more bandwidth; it reports whether a probe
// runs and at what total rate padding should fill up to.
//
// A link probes once it has sent TWCC feedback at all, not only while the
// feedback is fresh: a subscriber whose every video was paused for bandwidth
// receives nothing, so sends no feedback, and only a probe's padding can
// bring feedback, and its video, back. (Requiring fresh feedback kept such a
// subscriber paused for good after its link recovered.) A REMB-only link,
// which never sent TWCC feedback, is not probed: nothing would answer.
func (b *bandwidthEstimate) wantProbe(now time.Time, target int) (int, bool) {
	if b.link == nil || !b.link.everSentTWCC() || b.capped() {
		return 0, false
	}
	if !b.probing {
		if target <= b.estimate || now.Before(b.nextProbe) {
			return 0, false
		}
		b.probing, b.probeStart, b.probeTarget, b.probePeak = true, now, target, 0
		b.preProbe = b.estimate
		// The probe is judged by the packets sent from now on, and their
		// delay against each other's only: after a pause the last delay
		// seen can be seconds old.
		b.probeTotals = b.link.Est.Totals()
		b.link.Est.ResetDelay()
	}
	return b.probeTarget, true
}

func clampEstimate(v int) int {
	return int(math.Min(maxEstimate, math.Max(minEstimate, float64(v))))
}
