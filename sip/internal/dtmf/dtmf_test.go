package dtmf

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// tones makes the DTMF tones of keys at rate, each on for on seconds and off
// for gap seconds, each tone at amplitude (peak, per tone).
func tones(keys string, rate int, on, gap, amplitude float64) []int16 {
	var pcm []int16
	for _, k := range keys {
		var fr, fc float64
		for r := range 4 {
			for c := range 4 {
				if dtmfKey(r, c) == k {
					fr, fc = rows[r], cols[c]
				}
			}
		}
		for i := range int(on * float64(rate)) {
			t := float64(i) / float64(rate)
			pcm = append(pcm, int16(amplitude*(math.Sin(2*math.Pi*fr*t)+math.Sin(2*math.Pi*fc*t))))
		}
		pcm = append(pcm, make([]int16, int(gap*float64(rate)))...)
	}
	return pcm
}

func dtmfKey(r, c int) rune { return keys[r][c] }

// feedFrames feeds pcm in 20 ms frames, as the bridge does, and collects the keys.
func feedFrames(d *Detector, pcm []int16, rate int) string {
	var got []rune
	frame := rate / 50
	for len(pcm) > 0 {
		n := min(frame, len(pcm))
		got = append(got, d.Feed(pcm[:n])...)
		pcm = pcm[n:]
	}
	return string(got)
}

// Every key of the pad is found once, at 8 and 16 kHz, in tones of 100 ms
// and of a long press (1 s), fed in frames of any size.
func TestAllSixteenKeys(t *testing.T) {
	const all = "123A456B789C*0#D"
	for _, rate := range []int{8000, 16000} {
		for _, on := range []float64{0.1, 1} {
			got := feedFrames(New(rate), tones(all, rate, on, 0.06, 6000), rate)
			if got != all {
				t.Errorf("%d Hz, %v s tones: got %q, want %q", rate, on, got, all)
			}
		}
		var got []rune
		d := New(rate)
		pcm := tones("159#", rate, 0.08, 0.05, 6000)
		for len(pcm) > 0 { // odd piece sizes
			n := min(37, len(pcm))
			got = append(got, d.Feed(pcm[:n])...)
			pcm = pcm[n:]
		}
		if string(got) != "159#" {
			t.Errorf("%d Hz in pieces of 37: got %q", rate, string(got))
		}
	}
}

// A tone of 40 ms or more is taken; one of 20 ms (a click, a burst of
// speech) is not; the same key twice needs a pause between.
func TestToneDuration(t *testing.T) {
	if got := feedFrames(New(8000), tones("5", 8000, 0.02, 0.1, 6000), 8000); got != "" {
		t.Errorf("20 ms tone: got %q", got)
	}
	if got := feedFrames(New(8000), tones("5", 8000, 0.045, 0.1, 6000), 8000); got != "5" {
		t.Errorf("45 ms tone: got %q", got)
	}
	if got := feedFrames(New(8000), tones("55", 8000, 0.1, 0.05, 6000), 8000); got != "55" {
		t.Errorf("5 twice: got %q", got)
	}
}

// Quiet tones, noise, single tones, speech-like mixes of many frequencies
// and twisted pairs give no key.
func TestRejections(t *testing.T) {
	const rate = 8000
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]int16, rate*2)
	for i := range noise {
		noise[i] = int16(rng.NormFloat64() * 4000)
	}
	sine := func(amp float64, freqs ...float64) []int16 {
		pcm := make([]int16, rate*2)
		for i := range pcm {
			t := float64(i) / rate
			var v float64
			for _, f := range freqs {
				v += amp * math.Sin(2*math.Pi*f*t+f)
			}
			pcm[i] = int16(v)
		}
		return pcm
	}
	// A vowel: a 120 Hz voice and its harmonics, strongest near the formants
	// (700 and 1200 Hz), which fall on a row and a column.
	vowel := make([]int16, rate*2)
	for i := range vowel {
		t := float64(i) / rate
		var v float64
		for h := 1; h*120 < 3400; h++ {
			f := float64(h * 120)
			a := 600 * (math.Exp(-math.Pow((f-700)/150, 2)) + math.Exp(-math.Pow((f-1200)/200, 2)) + 0.2)
			v += a * math.Sin(2*math.Pi*f*t+float64(h))
		}
		vowel[i] = int16(v)
	}
	twisted := make([]int16, rate)
	for i := range twisted {
		t := float64(i) / rate
		twisted[i] = int16(8000*math.Sin(2*math.Pi*697*t) + 2000*math.Sin(2*math.Pi*1209*t)) // 12 dB
	}
	for name, pcm := range map[string][]int16{
		"quiet":                 tones("1234", rate, 0.1, 0.05, 100),
		"white noise":           noise,
		"one tone (697 Hz)":     sine(6000, 697),
		"dial tone (350+440)":   sine(6000, 350, 440),
		"two rows (697+770)":    sine(6000, 697, 770),
		"three tones":           sine(6000, 697, 1209, 1336),
		"vowel":                 vowel,
		"twisted 12 dB":         twisted,
		"tone drowned in noise": mixIn(tones("1", rate, 0.5, 0, 1000), noise),
	} {
		if got := feedFrames(New(rate), pcm, rate); got != "" {
			t.Errorf("%s: got %q, want no key", name, got)
		}
	}
	// The same keys with moderate noise are still found.
	clean := tones("2580", rate, 0.1, 0.06, 6000)
	quiet := make([]int16, len(clean))
	for i := range quiet {
		quiet[i] = int16(rng.NormFloat64() * 300)
	}
	if got := feedFrames(New(rate), mixIn(clean, quiet), rate); got != "2580" {
		t.Errorf("keys in light noise: got %q", got)
	}
}

func mixIn(a, b []int16) []int16 {
	out := slices.Clone(a)
	for i := range out {
		if i < len(b) {
			out[i] = int16(max(-32768, min(32767, int(out[i])+int(b[i]))))
		}
	}
	return out
}
