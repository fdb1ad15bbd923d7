package sip

import "github.com/ensemble-sfu/ensemble/sip/internal/tone"

// The waiting tone a caller hears in a room's lobby: a soft beep every few
// seconds, so that the line does not seem dead (a caller hearing silence
// hangs up), yet not the dial tone, ring-back or busy tone of any country.
const (
	// WaitingToneHz is the beep's pitch.
	WaitingToneHz    = 523 // C5
	waitingBeepMS    = 400
	waitingCycleMS   = 3000 // a whole number of frames: the loop wraps on a frame
	waitingFadeMS    = 20   // no click at either end of the beep
	waitingAmplitude = 4000 // about -18 dBFS: gentle beside speech
)

// waitingTone is one cycle of the waiting tone at rate: the beep, then silence.
func waitingTone(rate int) []int16 {
	pcm := make([]int16, rate*waitingCycleMS/1000)
	beep := (&tone.Sine{Freq: WaitingToneHz, Rate: float64(rate), Amplitude: waitingAmplitude}).Next(rate * waitingBeepMS / 1000)
	fade := rate * waitingFadeMS / 1000
	for i := range beep {
		gain := min(i, len(beep)-1-i, fade)
		pcm[i] = int16(int(beep[i]) * gain / fade)
	}
	return pcm
}

// playWaitingTone plays the waiting tone to the caller, over and over, until
// stopPrompt (admitted: the room is heard at once) or another prompt.
func (m *audioPath) playWaitingTone() {
	pcm := waitingTone(m.leg.PCMRate)
	m.mu.Lock()
	old := m.prompt
	m.prompt = &playback{pcm: pcm, loop: pcm, done: make(chan struct{})}
	m.mu.Unlock()
	if old != nil {
		old.finish()
	}
}
