package sendbwe

// The delay-based detector of the GCC draft (draft-ietf-rmcat-gcc-02, section
// 5), in its trendline form as libwebrtc runs it: packets are grouped by send
// time, the change in one-way delay between consecutive groups is accumulated
// and smoothed, and the slope of that curve over the last groups says whether
// a queue is building (overuse), draining (underuse) or neither. The
// threshold the slope is compared with adapts, so that a link shared with
// loss-based flows is not given up to them.

// Usage is what the delay says of the link.
type Usage int8

const (
	Normal   Usage = iota // delay steady
	Overuse               // a queue building: the link carries less than is sent
	Underuse              // a queue draining
)

func (u Usage) String() string {
	switch u {
	case Overuse:
		return "overuse"
	case Underuse:
		return "underuse"
	}
	return "normal"
}

const (
	// groupSpanUs: packets sent within this time of a group's first are one
	// group (a video frame's packets leave together).
	groupSpanUs = 5_000
	// burstSpanUs, maxBurstUs: a packet that arrives within burstSpanUs of
	// its group's last, sooner after it than it was sent, joins the group
	// (the network delivered a burst), as long as the group spans less than
	// maxBurstUs of arrivals.
	burstSpanUs = 5_000
	maxBurstUs  = 100_000
	// resetGapUs: arrivals this far apart (a pause, or a receiver's clock
	// jump) start the detector again.
	resetGapUs = 3_000_000

	trendWindow      = 12   // groups in the linear fit
	trendSmoothing   = 0.85 // weight of the old smoothed delay
	trendGain        = 4.0  // the draft's threshold gain
	maxTrendDeltas   = 60   // the fit's slope is scaled by the groups seen, up to this
	initialThreshold = 12.5 // ms
	minThreshold     = 6.0
	maxThreshold     = 600.0
	thresholdUp      = 0.0087 // adaptation when the trend is above the threshold
	thresholdDown    = 0.039  // and below it
	maxAdaptOffset   = 15.0   // a trend this far above the threshold does not move it
	overuseTimeMs    = 10.0   // overuse must last this long
)

type packetGroup struct {
	valid        bool
	firstSendUs  int64
	lastSendUs   int64
	firstArrival int64
	lastArrival  int64
}

type point struct{ x, y float64 }

// delayDetector turns the send and arrival times of packets, in sequence
// order, into a Usage. The zero value is ready.
type delayDetector struct {
	cur, prev packetGroup

	firstArrival int64
	accumulated  float64
	smoothed     float64
	deltas       int
	window       [trendWindow]point
	inWindow     int
	next         int
	trend        float64
	modified     float64

	threshold        float64
	thresholdUpdated int64
	overusingMs      float64 // -1: not overusing
	overuseCount     int
	usage            Usage
	// overuses counts the times overuse was found anew: the usage stays
	// Overuse while the trend is above the threshold, also while the queue
	// drains after the sender slowed down, and only a new finding (the trend
	// still rising) is a reason to slow down further.
	overuses uint64
}

func (d *delayDetector) reset() {
	*d = delayDetector{}
}

// packet takes one received packet.
func (d *delayDetector) packet(sendUs, arrivalUs int64) {
	if !d.cur.valid {
		d.startGroup(sendUs, arrivalUs)
		return
	}
	if arrivalUs-d.cur.lastArrival > resetGapUs || d.cur.lastArrival-arrivalUs > resetGapUs {
		d.reset()
		d.startGroup(sendUs, arrivalUs)
		return
	}
	if sendUs < d.cur.firstSendUs {
		return // sent before the current group: reordered, already accounted for
	}
	if d.inGroup(sendUs, arrivalUs) {
		d.cur.lastSendUs = max(d.cur.lastSendUs, sendUs)
		d.cur.lastArrival = max(d.cur.lastArrival, arrivalUs)
		return
	}
	if d.prev.valid {
		sendDelta := float64(d.cur.lastSendUs-d.prev.lastSendUs) / 1000
		arrivalDelta := float64(d.cur.lastArrival-d.prev.lastArrival) / 1000
		d.update(arrivalDelta-sendDelta, sendDelta, d.cur.lastArrival)
	}
	d.prev = d.cur
	d.startGroup(sendUs, arrivalUs)
}

func (d *delayDetector) startGroup(sendUs, arrivalUs int64) {
	d.cur = packetGroup{valid: true, firstSendUs: sendUs, lastSendUs: sendUs, firstArrival: arrivalUs, lastArrival: arrivalUs}
}

func (d *delayDetector) inGroup(sendUs, arrivalUs int64) bool {
	if sendUs-d.cur.firstSendUs <= groupSpanUs {
		return true
	}
	arrivalDelta := arrivalUs - d.cur.lastArrival
	propagation := arrivalDelta - (sendUs - d.cur.lastSendUs)
	return arrivalDelta <= burstSpanUs && propagation < 0 && arrivalUs-d.cur.firstArrival < maxBurstUs
}

// update takes the delay change between two groups (ms).
func (d *delayDetector) update(delayMs, sendDeltaMs float64, arrivalUs int64) {
	if d.deltas == 0 {
		d.firstArrival = arrivalUs
		d.threshold = initialThreshold
		d.overusingMs = -1
	}
	d.deltas = min(d.deltas+1, 1000)
	d.accumulated += delayMs
	d.smoothed = trendSmoothing*d.smoothed + (1-trendSmoothing)*d.accumulated
	d.window[d.next] = point{x: float64(arrivalUs-d.firstArrival) / 1000, y: d.smoothed}
	d.next = (d.next + 1) % trendWindow
	d.inWindow = min(d.inWindow+1, trendWindow)
	previous := d.trend
	if d.inWindow == trendWindow {
		if s, ok := d.slope(); ok {
			d.trend = s
		}
	}
	d.detect(previous, sendDeltaMs, arrivalUs)
}

// slope is the least-squares slope of the window.
func (d *delayDetector) slope() (float64, bool) {
	var sx, sy float64
	for _, p := range d.window {
		sx += p.x
		sy += p.y
	}
	mx, my := sx/trendWindow, sy/trendWindow
	var num, den float64
	for _, p := range d.window {
		num += (p.x - mx) * (p.y - my)
		den += (p.x - mx) * (p.x - mx)
	}
	if den == 0 {
		return 0, false
	}
	return num / den, true
}

func (d *delayDetector) detect(previousTrend, sendDeltaMs float64, arrivalUs int64) {
	if d.deltas < 2 {
		return
	}
	d.modified = float64(min(d.deltas, maxTrendDeltas)) * d.trend * trendGain
	switch {
	case d.modified > d.threshold:
		if d.overusingMs < 0 {
			d.overusingMs = sendDeltaMs / 2
		} else {
			d.overusingMs += sendDeltaMs
		}
		d.overuseCount++
		if d.overusingMs > overuseTimeMs && d.overuseCount > 1 && d.trend >= previousTrend {
			d.overusingMs, d.overuseCount = 0, 0
			d.usage = Overuse
			d.overuses++
		}
	case d.modified < -d.threshold:
		d.overusingMs, d.overuseCount = -1, 0
		d.usage = Underuse
	default:
		d.overusingMs, d.overuseCount = -1, 0
		d.usage = Normal
	}
	d.adaptThreshold(arrivalUs)
}

func (d *delayDetector) adaptThreshold(nowUs int64) {
	if d.thresholdUpdated == 0 {
		d.thresholdUpdated = nowUs
	}
	m := abs(d.modified)
	if m > d.threshold+maxAdaptOffset {
		// A spike (a route change, a stall) is not a reason to move the threshold.
		d.thresholdUpdated = nowUs
		return
	}
	k := thresholdUp
	if m < d.threshold {
		k = thresholdDown
	}
	elapsedMs := min(float64(nowUs-d.thresholdUpdated)/1000, 100)
	d.threshold += k * (m - d.threshold) * elapsedMs
	d.threshold = min(max(d.threshold, minThreshold), maxThreshold)
	d.thresholdUpdated = nowUs
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
