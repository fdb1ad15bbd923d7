package forward

import "github.com/ensemble-sfu/ensemble/vocab"

// NeededQualities reports which of the track's layers some subscriber needs
// now: for each subscription that is not paused, the layer its target quality
// maps to among the layers the publisher declared or sent (live or not, so
// that a layer stopped by dynacast is asked for again). The caller tells the
// publisher to stop the others. A track whose subscribers are all paused
// needs nothing.
func (u *UpTrack) NeededQualities() [numQualities]bool {
	var need [numQualities]bool
	for _, d := range *u.downs.Load() {
		if d.paused.Load() || d.bwPaused.Load() || d.closed.Load() {
			continue
		}
		if q, ok := u.existingLayer(vocab.Quality(d.target.Load())); ok {
			need[q] = true
		}
	}
	return need
}

// existingLayer maps a wanted quality to the best declared layer not above
// it, else the lowest above it.
func (u *UpTrack) existingLayer(target vocab.Quality) (vocab.Quality, bool) {
	for q := int(min(target, vocab.QualityHigh)); q >= 0; q-- {
		if u.slots[q].Load() != nil {
			return vocab.Quality(q), true
		}
	}
	for q := int(target) + 1; q < numQualities; q++ {
		if u.slots[q].Load() != nil {
			return vocab.Quality(q), true
		}
	}
	return 0, false
}

// Simulcast reports whether the track has more than one layer.
func (u *UpTrack) Simulcast() bool {
	n := 0
	for q := range numQualities {
		if u.slots[q].Load() != nil {
			n++
		}
	}
	return n > 1
}

// HasTemporalLayers reports whether the publisher's stream carries temporal
// layers (VP8 or VP9 frames with a TID above 0, or AV1 frames whose dependency
// descriptor template is above temporal layer 0, were seen), so that a subscriber
// can be given a lower frame rate (DownTrack.SetTargetTemporal).
func (u *UpTrack) HasTemporalLayers() bool { return u.temporal.Load() }
