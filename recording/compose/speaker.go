package compose

import (
	"time"
)

// Who speaks when: the speaker layout's schedule.
const (
	// DefaultHold is the least time a speaker stays in the large region: a
	// picture that changes more often is hard to watch, and the filter graph
	// stays small (at most one switch per hold).
	DefaultHold = 2 * time.Second
	// speechPower is the mean power (of a full-scale square wave) above which
	// a participant counts as speaking: -45 dBFS, above the noise of a quiet
	// room's microphone, below soft speech.
	speechPower = 3.2e-5
	// smoothWindows is how many level windows a voice is averaged over (500
	// ms): a cough or a click does not take the picture.
	smoothWindows = 5
	// louderBy is how much louder (in power, 3 dB) a voice must be than the
	// current speaker's to take over.
	louderBy = 2
	// claim is how long a voice must stay the loudest to take over: a cough
	// or an interjection does not. The composition is made afterwards, so the
	// turn is moved back to when that voice began to be the loudest.
	claim = time.Second
)

// Turn is one stretch of the speaker layout: who is in the large region from
// Start to End on the recording's time line.
type Turn struct {
	Start, End  time.Duration
	Participant string
}

// voice is one participant's audio levels on the recording's time line, one
// per levelWindow from 0.
type voice []float64

// speakerTurns decides who is shown large: the loudest of the candidates
// (participants with a picture) whose smoothed voice is above speechPower and
// louderBy louder than the current speaker's, once it has been so for claim;
// its turn starts when it began to be (not sooner than hold after the last
// change). Before anyone speaks, the first to speak is shown (or the first
// candidate when nobody does). The turns cover 0 to length without a gap.
func speakerTurns(voices map[string]voice, candidates []string, length, hold time.Duration) []Turn {
	if len(candidates) == 0 || length <= 0 {
		return nil
	}
	windows := int((length + levelWindow - 1) / levelWindow)
	smooth := make(map[string][]float64, len(candidates))
	for _, c := range candidates {
		smooth[c] = smoothed(voices[c], windows)
	}
	current, challenger := "", ""
	var turns []Turn
	var since, challengedAt time.Duration
	for k := range windows {
		at := time.Duration(k) * levelWindow
		loudest, power := "", speechPower
		for _, c := range candidates {
			if p := smooth[c][k]; p > power {
				loudest, power = c, p
			}
		}
		if current == "" {
			current = loudest // the first voice, shown from the start
			continue
		}
		if loudest == "" || loudest == current || power <= louderBy*smooth[current][k] {
			challenger = ""
			continue
		}
		if loudest != challenger {
			challenger, challengedAt = loudest, at
		}
		if start := max(challengedAt, since+hold); at-challengedAt >= claim && at >= start {
			turns = append(turns, Turn{Start: since, End: start, Participant: current})
			current, since, challenger = loudest, start, ""
		}
	}
	if current == "" {
		current = candidates[0]
	}
	return append(turns, Turn{Start: since, End: length, Participant: current})
}

// smoothed averages a voice over smoothWindows (the window and those before
// it), on windows windows; a voice shorter than that is silent after its end.
func smoothed(v voice, windows int) []float64 {
	out := make([]float64, windows)
	var sum float64
	for k := range windows {
		if k < len(v) {
			sum += v[k]
		}
		if old := k - smoothWindows; old >= 0 && old < len(v) {
			sum -= v[old]
		}
		out[k] = max(sum, 0) / smoothWindows
	}
	return out
}

// place adds a file's levels, which start at offset, to a voice on the
// recording's time line (a participant's files over time, or at once, add up).
func (v *voice) place(levels []float64, offset time.Duration) {
	start := int((offset + levelWindow/2) / levelWindow)
	for i, p := range levels {
		k := start + i
		if k < 0 {
			continue
		}
		for len(*v) <= k {
			*v = append(*v, 0)
		}
		(*v)[k] += p
	}
}
