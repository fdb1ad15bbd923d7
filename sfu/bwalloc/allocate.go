package bwalloc

import (
	"cmp"
	"slices"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// baseTemporalShare: the base temporal layer carries about 1/baseTemporalShare of
// a layer's bitrate (half the frames, but the larger ones).
const baseTemporalShare = 2

// NumQualities is the number of simulcast qualities (vocab.QualityLow to
// vocab.QualityHigh); the allocator indexes bitrates by quality.
const NumQualities = vocab.NumQualities

// Priorities, highest first served.
const (
	PriorityVideo   = 1 // a camera
	PrioritySpeaker = 2 // the camera of an active speaker
	PriorityScreen  = 3 // a screen share
)

// Track is one subscribed track as the allocator sees it.
type Track struct {
	ID       string
	Audio    bool
	Priority int
	// MaxQuality is the best quality the subscriber wants.
	MaxQuality vocab.Quality
	// Paused: the subscriber paused the track itself (it gets nothing and
	// costs nothing).
	Paused bool
	// Bitrates are the measured bitrates (bits per second) of the layers the
	// publisher sends now, by quality; 0 = layer not received. A track without
	// simulcast has its one layer at index 2. For audio only the highest
	// non-zero entry counts.
	Bitrates [NumQualities]int
	// Temporal: the layers carry temporal layers (VP8 TID, VP9 TID, AV1
	// dependency descriptor), so the base
	// temporal layer of the lowest layer (about half its frames and bitrate)
	// can be sent when the whole lowest layer does not fit.
	Temporal bool
}

// Decision is the allocator's choice for one track.
type Decision struct {
	ID      string
	Quality vocab.Quality // layer to forward; meaningless when Paused
	Paused  bool          // nothing fits (or the subscriber paused it)
	// BaseTemporalOnly: send only the base temporal layer (a lower frame
	// rate), because even the full lowest layer does not fit.
	BaseTemporalOnly bool
	Reason           vocab.LayerReason
	Bitrate          int // bits per second this choice is expected to use
}

// Allocate chooses a layer for each track within budget (bits per second).
// Decisions come in the order of tracks.
func Allocate(budget int, tracks []Track) []Decision {
	out := make([]Decision, len(tracks))
	left := budget
	var videos []int
	for i, t := range tracks {
		out[i].ID = t.ID
		switch {
		case t.Paused:
			out[i].Paused, out[i].Reason = true, vocab.LayerRequested
		case t.Audio:
			// Audio always flows: it is cheap and a meeting without it fails.
			q := best(t.Bitrates, NumQualities-1)
			out[i].Quality, out[i].Reason = vocab.Quality(max(q, 0)), vocab.LayerRequested
			if q >= 0 {
				out[i].Bitrate = t.Bitrates[q]
			}
			left -= out[i].Bitrate
		default:
			videos = append(videos, i)
		}
	}
	slices.SortStableFunc(videos, func(a, b int) int { return cmp.Compare(tracks[b].Priority, tracks[a].Priority) })

	// Priority tiers are served one after the other: a screen share gets all
	// it wants before any camera gets anything. Within a tier every video
	// first gets its lowest layer, then each is raised in turn.
	for lo := 0; lo < len(videos); {
		hi := lo
		for hi < len(videos) && tracks[videos[hi]].Priority == tracks[videos[lo]].Priority {
			hi++
		}
		left = allocateTier(tracks, videos[lo:hi], out, left)
		lo = hi
	}
	return out
}

// allocateTier shares left among the videos of one priority tier and returns
// what remains.
func allocateTier(tracks []Track, tier []int, out []Decision, left int) int {
	chosen := make(map[int]int, len(tier))
	for _, i := range tier {
		t := tracks[i]
		low := lowest(t.Bitrates)
		if low < 0 {
			// The publisher sends nothing now: keep the wish, nothing to pay.
			out[i].Quality, out[i].Reason = t.MaxQuality, vocab.LayerPublisher
			continue
		}
		if t.Bitrates[low] > left {
			if base := t.Bitrates[low] / baseTemporalShare; t.Temporal && base <= left {
				out[i].Quality, out[i].BaseTemporalOnly, out[i].Reason = vocab.Quality(low), true, vocab.LayerBandwidth
				out[i].Bitrate = base
				left -= base
				continue
			}
			out[i].Paused, out[i].Reason = true, vocab.LayerBandwidth
			continue
		}
		chosen[i] = low
		left -= t.Bitrates[low]
	}
	for _, i := range tier {
		q, ok := chosen[i]
		if !ok {
			continue
		}
		t := tracks[i]
		for next := q + 1; next <= min(int(t.MaxQuality), NumQualities-1); next++ {
			if t.Bitrates[next] == 0 {
				continue
			}
			extra := t.Bitrates[next] - t.Bitrates[q]
			if extra > left {
				break
			}
			left -= extra
			q = next
		}
		out[i].Quality, out[i].Bitrate = vocab.Quality(q), t.Bitrates[q]
		out[i].Reason = reason(t, q)
	}
	return left
}

// reason explains why t got quality q.
func reason(t Track, q int) vocab.LayerReason {
	wanted := best(t.Bitrates, int(t.MaxQuality))
	switch {
	case wanted < 0:
		// Only layers above the wish are sent: the lowest is given.
		return vocab.LayerPublisher
	case q < wanted:
		return vocab.LayerBandwidth
	case int(t.MaxQuality) > q && best(t.Bitrates, NumQualities-1) <= q:
		return vocab.LayerPublisher
	}
	return vocab.LayerRequested
}

// best returns the best sent layer not above limit, or -1.
func best(rates [NumQualities]int, limit int) int {
	for q := min(limit, NumQualities-1); q >= 0; q-- {
		if rates[q] > 0 {
			return q
		}
	}
	return -1
}

// lowest returns the lowest sent layer, or -1.
func lowest(rates [NumQualities]int) int {
	for q := range rates {
		if rates[q] > 0 {
			return q
		}
	}
	return -1
}
