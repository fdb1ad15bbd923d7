package loadtest

import (
	"math"
	"slices"
)

// Summary gives the median and the 95th percentile of a set of samples.
type Summary struct {
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	Max   float64 `json:"max"`
	Count int     `json:"count"`
}

// Summarize computes a Summary; an empty set gives zeros with Count 0.
func Summarize(samples []float64) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return Summary{
		P50:   percentile(s, 0.50),
		P95:   percentile(s, 0.95),
		Max:   s[len(s)-1],
		Count: len(s),
	}
}

// percentile returns the nearest-rank percentile q (0..1] of sorted samples.
func percentile(sorted []float64, q float64) float64 {
	rank := int(math.Ceil(q*float64(len(sorted)))) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return sorted[rank]
}
