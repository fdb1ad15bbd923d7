package sip

import (
	"testing"

	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
)

// The level of a frame is its RMS in -dBov: a full-scale square wave 0, a sine
// of amplitude A 20·log10(A/√2/32768) below it, silence 127.
func TestAudioLevel(t *testing.T) {
	square := make([]int16, 160)
	for i := range square {
		square[i] = 32767
		if i%2 == 1 {
			square[i] = -32768
		}
	}
	sine := func(amplitude float64) []int16 {
		return (&tone.Sine{Freq: 1000, Rate: 8000, Amplitude: amplitude}).Next(160)
	}
	for _, c := range []struct {
		name string
		pcm  []int16
		want uint8
	}{
		{"full-scale square", square, 0},
		{"sine at 8000", sine(8000), 15},        // -15.3 dBov
		{"sine at 1000", sine(1000), 33},        // -33.3 dBov
		{"sine at 30", sine(30), 64},            // -63.8 dBov: a quiet hum
		{"one unit", []int16{1, -1, 1, -1}, 90}, // -90.3 dBov
		{"digital silence", make([]int16, 160), 127},
		{"empty", nil, 127},
	} {
		if got := audioLevel(c.pcm); got != c.want {
			t.Errorf("%s: level %d, want %d", c.name, got, c.want)
		}
	}
}

func TestAudioLevelDoesNotAllocate(t *testing.T) {
	pcm := (&tone.Sine{Freq: 440, Rate: 48000, Amplitude: 3000}).Next(960)
	if n := testing.AllocsPerRun(100, func() { audioLevel(pcm) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
