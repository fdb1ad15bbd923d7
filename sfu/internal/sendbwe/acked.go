package sendbwe

// ackedRate is the rate at which the receiver got the packets, from their
// arrival times and sizes: what the link carried, as opposed to what was
// sent. A decrease is taken from it, and an increase capped by it.
type ackedRate struct {
	started  bool
	startUs  int64 // arrival of the window's first packet (receiver's clock)
	lastUs   int64
	bytes    int
	rate     float64 // bits per second; 0 until a window completed
	windowUs int64
}

const (
	firstAckedWindowUs = 150_000
	ackedWindowUs      = 500_000
	// ackedGapUs: a silence this long (paused videos) starts a new window
	// instead of spreading the bytes over it.
	ackedGapUs = 500_000
)

func (a *ackedRate) add(arrivalUs int64, size int) {
	if !a.started || arrivalUs < a.lastUs-ackedGapUs || arrivalUs-a.lastUs > ackedGapUs {
		a.started, a.startUs, a.lastUs, a.bytes = true, arrivalUs, arrivalUs, 0
		if a.windowUs == 0 {
			a.windowUs = firstAckedWindowUs
		}
		return
	}
	a.lastUs = max(a.lastUs, arrivalUs)
	a.bytes += size
	if span := a.lastUs - a.startUs; span >= a.windowUs {
		a.rate = float64(a.bytes) * 8e6 / float64(span)
		a.startUs, a.bytes, a.windowUs = a.lastUs, 0, ackedWindowUs
	}
}
