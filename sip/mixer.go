package sip

import (
	"cmp"
	"slices"
)

// mixedSpeakers is how many of the room's voices a caller hears at once: the
// loudest three, as in a real room where a fourth voice is lost in the noise,
// and it bounds the sum's headroom.
const mixedSpeakers = 3

// voice is one room participant's 20 ms frame, with its energy.
type voice struct {
	pcm    []int16
	energy int64 // sum of squares
}

func frameEnergy(pcm []int16) int64 {
	var e int64
	for _, s := range pcm {
		e += int64(s) * int64(s)
	}
	return e
}

// mix sums the loudest mixedSpeakers of voices into out (len(out) samples each),
// saturating at the 16-bit range. The caller's own voice is never among them:
// the bridge does not subscribe to the tracks it publishes.
func mix(out []int16, voices []voice) {
	clear(out)
	slices.SortFunc(voices, func(a, b voice) int { return cmp.Compare(b.energy, a.energy) })
	acc := make([]int32, len(out))
	for _, v := range voices[:min(len(voices), mixedSpeakers)] {
		if v.energy == 0 {
			break
		}
		for i := range min(len(acc), len(v.pcm)) {
			acc[i] += int32(v.pcm[i])
		}
	}
	for i, s := range acc {
		out[i] = int16(max(-32768, min(32767, s)))
	}
}
