package tone

import (
	"math"
	"testing"
)

func TestPeakFindsTheTone(t *testing.T) {
	for _, f := range []float64{440, 1000, 3000} {
		s := &Sine{Freq: f, Rate: 16000, Amplitude: 8000}
		got, share := Peak(s.Next(16000), 16000)
		if math.Abs(got-f) > 16000.0/8192 || share < 0.9 {
			t.Errorf("%v Hz: peak %v Hz, share %.2f", f, got, share)
		}
	}
}
