// Package dtmf recognises key presses sent as tones in the audio (in-band
// DTMF, ITU-T Q.23/Q.24), for callers whose phone offers no RFC 4733
// telephone-event. It is written here, on the Goertzel algorithm, because no
// kept Go library does this: github.com/CyCoreSystems/goertzel (last release
// 2019, imported by nobody) detects single tones, not the pairs, twist and
// timing rules of DTMF.
//
// The audio is cut in 20 ms blocks (50 Hz bins: the closest rows, 697 and
// 770 Hz, are told apart). A block holds a key when
//
//   - its loudest row and column tone each have at least MinAmplitude,
//   - together they carry most of the block's energy (speech and noise spread
//     theirs over many frequencies),
//   - each stands clear of the other tones of its group (6 dB), and
//   - the twist is within 8 dB (row louder) or 4 dB (column louder).
//
// A key is reported once, when two blocks in a row (40 ms) hold it, and not
// again until a block without it: one digit per tone however long it lasts.
package dtmf

import "math"

var (
	rows = [4]float64{697, 770, 852, 941}
	cols = [4]float64{1209, 1336, 1477, 1633}
	keys = [4][4]rune{
		{'1', '2', '3', 'A'},
		{'4', '5', '6', 'B'},
		{'7', '8', '9', 'C'},
		{'*', '0', '#', 'D'},
	}
)

const (
	blockMillis = 20
	// MinAmplitude is the quietest tone taken, in 16-bit sample units (peak):
	// about -40 dBFS, well under a phone's -10 dBm0 tones even after a lossy line.
	MinAmplitude = 300
	// minShare is the least share of a block's energy the two tones must carry.
	minShare = 0.7
	// groupMargin is how much louder (power ratio, 6 dB) the chosen tone is
	// than every other of its group.
	groupMargin = 4.0
	maxRowOver  = 6.31 // 8 dB: row louder than column ("normal twist")
	maxColOver  = 2.51 // 4 dB: column louder than row ("reverse twist")
)

// Detector finds keys in PCM of one rate, fed in pieces of any length.
type Detector struct {
	block    int
	rowCoef  [4]float64
	colCoef  [4]float64
	buf      []int16
	last     rune // key of the previous block, 0 for none
	reported bool // last was reported already
}

// New makes a detector for PCM at rate samples per second (8000 or more).
func New(rate int) *Detector {
	d := &Detector{block: rate * blockMillis / 1000}
	for i := range 4 {
		d.rowCoef[i] = 2 * math.Cos(2*math.Pi*rows[i]/float64(rate))
		d.colCoef[i] = 2 * math.Cos(2*math.Pi*cols[i]/float64(rate))
	}
	d.buf = make([]int16, 0, d.block)
	return d
}

// Feed takes the next PCM and returns the keys whose tones it completed.
func (d *Detector) Feed(pcm []int16) []rune {
	var out []rune
	for len(pcm) > 0 {
		n := min(d.block-len(d.buf), len(pcm))
		d.buf = append(d.buf, pcm[:n]...)
		pcm = pcm[n:]
		if len(d.buf) < d.block {
			break
		}
		k := d.key(d.buf)
		d.buf = d.buf[:0]
		switch {
		case k == 0:
			d.last, d.reported = 0, false
		case k != d.last:
			d.last, d.reported = k, false
		case !d.reported:
			d.reported = true
			out = append(out, k)
		}
	}
	return out
}

// key is the key one block holds, 0 for none.
func (d *Detector) key(x []int16) rune {
	var energy float64
	for _, s := range x {
		energy += float64(s) * float64(s)
	}
	n := float64(len(x))
	// A sine of amplitude a carries n·a²/2 of energy.
	if energy < n*MinAmplitude*MinAmplitude/2 {
		return 0
	}
	var rp, cp [4]float64
	for i := range 4 {
		rp[i] = goertzel(x, d.rowCoef[i])
		cp[i] = goertzel(x, d.colCoef[i])
	}
	r, rOK := strongest(rp)
	c, cOK := strongest(cp)
	if !rOK || !cOK {
		return 0
	}
	// A sine of amplitude a alone gives a power of (a·n/2)²; scaled by
	// 2/(n·energy) that is its share of the block's energy.
	rowShare, colShare := 2*rp[r]/(n*energy), 2*cp[c]/(n*energy)
	minPower := (MinAmplitude * n / 2) * (MinAmplitude * n / 2)
	if rp[r] < minPower || cp[c] < minPower || rowShare+colShare < minShare {
		return 0
	}
	if rp[r] > maxRowOver*cp[c] || cp[c] > maxColOver*rp[r] {
		return 0
	}
	return keys[r][c]
}

// strongest is the index of the largest power, and whether it exceeds every
// other by groupMargin.
func strongest(p [4]float64) (int, bool) {
	best := 0
	for i := 1; i < 4; i++ {
		if p[i] > p[best] {
			best = i
		}
	}
	for i := range 4 {
		if i != best && p[best] < groupMargin*p[i] {
			return best, false
		}
	}
	return best, true
}

// goertzel is the power of x at the frequency whose coefficient is
// 2·cos(2πf/rate).
func goertzel(x []int16, coef float64) float64 {
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + coef*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - coef*s1*s2
}
