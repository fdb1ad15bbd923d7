package forward

import (
	"sync/atomic"
	"time"
)

// rateWindow is the period over which a layer's bitrate is measured.
const rateWindow = 500 * time.Millisecond

// layerRate measures the bitrate a layer arrives at, for the bandwidth
// allocator. add runs on the layer's reader goroutine (no lock, no
// allocation); bitrate may be read from anywhere.
type layerRate struct {
	winStart int64 // monoNanos; owned by the reader
	winBytes int   // owned by the reader
	bps      atomic.Int64
	// known is the last non-zero measurement, kept after the layer stops
	// (dynacast) so that the allocator knows what turning it on would cost.
	known atomic.Int64
}

func (r *layerRate) add(n int, now int64) {
	if r.winStart == 0 {
		r.winStart = now
	}
	r.winBytes += n
	if d := now - r.winStart; d >= int64(rateWindow) {
		bps := int64(r.winBytes) * 8 * int64(time.Second) / d
		r.bps.Store(bps)
		if bps > 0 {
			r.known.Store(bps)
		}
		r.winStart, r.winBytes = now, 0
	}
}

// LayerRates are the bitrates of an UpTrack's layers, by quality, in bits per
// second.
type LayerRates struct {
	// Live: measured now; 0 = the layer is not received (never, or no packet
	// for a while).
	Live [numQualities]int
	// Known: the last measurement, kept while a layer is stopped; 0 = never
	// received.
	Known [numQualities]int
	// Exists: the publisher declared or sent this layer.
	Exists [numQualities]bool
}

// LayerRates returns the measured bitrate of each layer.
func (u *UpTrack) LayerRates() LayerRates {
	var r LayerRates
	now := monoNanos(time.Now())
	for q := range numQualities {
		l := u.slots[q].Load()
		if l == nil {
			continue
		}
		r.Exists[q] = true
		r.Known[q] = int(l.rate.known.Load())
		if l.live(now) {
			r.Live[q] = max(int(l.rate.bps.Load()), 1)
		}
	}
	return r
}
