// Package tone makes and recognises tones: a sine generator that keeps its
// phase across frames (the SIP bridge's tests, and the waiting tone a caller
// hears in a room's lobby), and the frequency of the strongest spectral peak
// of PCM (a radix-2 FFT with a Hann window), for the tests.
package tone

import (
	"math"
	"math/cmplx"
)

// Sine generates a continuous sine wave frame by frame.
type Sine struct {
	Freq, Rate float64
	Amplitude  float64 // peak, in 16-bit sample units
	phase      float64
}

// Next returns n samples continuing the wave.
func (s *Sine) Next(n int) []int16 {
	out := make([]int16, n)
	step := 2 * math.Pi * s.Freq / s.Rate
	for i := range out {
		out[i] = int16(s.Amplitude * math.Sin(s.phase))
		s.phase += step
		if s.phase > 2*math.Pi {
			s.phase -= 2 * math.Pi
		}
	}
	return out
}

// Peak returns the frequency of the strongest bin of pcm's spectrum (the first
// power of two samples of it), and that bin's share of the total power (0..1):
// a clean tone gives a share near 1 once the window's spread is counted.
func Peak(pcm []int16, rate int) (freq, share float64) {
	n := 1
	for n*2 <= len(pcm) {
		n *= 2
	}
	if n < 2 {
		return 0, 0
	}
	x := make([]complex128, n)
	for i := range n {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
		x[i] = complex(float64(pcm[i])*w, 0)
	}
	fft(x)
	best, total := 1, 0.0
	power := make([]float64, n/2)
	for i := 1; i < n/2; i++ {
		power[i] = real(x[i])*real(x[i]) + imag(x[i])*imag(x[i])
		total += power[i]
		if power[i] > power[best] {
			best = i
		}
	}
	if total == 0 {
		return 0, 0
	}
	near := power[best]
	for _, j := range []int{best - 2, best - 1, best + 1, best + 2} {
		if j > 0 && j < n/2 {
			near += power[j]
		}
	}
	return float64(best) * float64(rate) / float64(n), near / total
}

// fft transforms x in place (len(x) a power of two), iteratively.
func fft(x []complex128) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		w := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			wk := complex(1, 0)
			for k := 0; k < size/2; k++ {
				a, b := x[start+k], x[start+k+size/2]*wk
				x[start+k], x[start+k+size/2] = a+b, a-b
				wk *= w
			}
		}
	}
}

// RMS is the root mean square of pcm.
func RMS(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(pcm)))
}
