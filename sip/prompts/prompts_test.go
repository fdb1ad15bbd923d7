package prompts

import (
	"math"
	"testing"
)

// Every prompt is seconds of speech at each rate a call can use.
func TestEveryPromptAtEveryRate(t *testing.T) {
	for _, name := range []string{EnterNumber, WrongNumber, Goodbye} {
		for _, rate := range []int{8000, 16000, 48000} {
			pcm, err := PCM(name, rate)
			if err != nil {
				t.Fatal(err)
			}
			seconds := float64(len(pcm)) / float64(rate)
			var sum float64
			for _, s := range pcm {
				sum += float64(s) * float64(s)
			}
			if rms := math.Sqrt(sum / float64(len(pcm))); seconds < 3 || seconds > 20 || rms < 1000 {
				t.Errorf("%s at %d Hz: %.1f s, RMS %.0f", name, rate, seconds, rms)
			}
		}
	}
	if _, err := PCM(EnterNumber, 44100); err == nil {
		t.Error("44.1 kHz accepted")
	}
}
