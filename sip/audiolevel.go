package sip

import "math"

// The caller's voice goes to the room with an RFC 6464 audio level on each
// packet (urn:ietf:params:rtp-hdrext:ssrc-audio-level, which the room client
// negotiates like a browser), measured on the frame the bridge decoded from
// the leg: the room's speaker detector (sfu/speaker) reads nothing else, so
// without it a caller is never the active speaker, and two room systems in
// one meeting are never shown each other.

// silenceLevel is RFC 6464's quietest level, -127 dBov and below.
const silenceLevel = 127

// voiceLevel is the level at or under which a frame is marked as voice (the
// V bit): -50 dBov, above a phone line's noise floor (-60 to -70 dBov) and
// under quiet speech (-40 dBov; nominal speech is -26 dBov, ITU-T P.56). The
// room's detector decides on the level alone; the bit is for other readers.
const voiceLevel = 50

// fullScaleSquare is the mean square of a full-scale square wave, 0 dBov.
const fullScaleSquare = 32768.0 * 32768.0

// audioLevel is the RFC 6464 level of a frame of 16-bit PCM: its RMS in -dBov,
// rounded, from 0 (a full-scale square wave) to 127 (digital silence, or
// anything quieter than -127 dBov), computed as WebRTC computes it for a
// browser's microphone.
func audioLevel(pcm []int16) uint8 {
	if len(pcm) == 0 {
		return silenceLevel
	}
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	if sum == 0 {
		return silenceLevel
	}
	dBov := 10 * math.Log10(sum/float64(len(pcm))/fullScaleSquare)
	return uint8(min(silenceLevel, max(0, math.Round(-dBov))))
}
