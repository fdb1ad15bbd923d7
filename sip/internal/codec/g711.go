package codec

// G.711 is not an algorithm worth a library: each sample is a segment number
// and a 4-bit step, read off the tables of ITU-T G.711. Decoding uses a
// 256-entry table built once; encoding follows the standard's segment search.

var ulawTable, alawTable [256]int16

func init() {
	for i := range 256 {
		ulawTable[i] = ulawToLinear(byte(i))
		alawTable[i] = alawToLinear(byte(i))
	}
}

func ulawToLinear(u byte) int16 {
	u = ^u
	t := (int(u&0x0f) << 3) + 0x84
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

func alawToLinear(a byte) int16 {
	a ^= 0x55
	t := int(a&0x0f) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// segmentEnds are the upper ends of the eight segments (µ-law on the biased
// 14-bit magnitude, A-law on the 13-bit magnitude).
var segmentEnds = [8]int{0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF}

func segment(v int) int {
	for i, end := range segmentEnds {
		if v <= end {
			return i
		}
	}
	return 8
}

func linearToUlaw(s int16) byte {
	const bias, clip = 0x84, 32635
	v := int(s)
	mask := byte(0xFF)
	if v < 0 {
		v = -v
		mask = 0x7F
	}
	if v > clip {
		v = clip
	}
	v += bias
	seg := segment(v)
	if seg >= 8 {
		return 0x7F ^ mask
	}
	return byte(seg<<4|(v>>(seg+3))&0x0F) ^ mask
}

func linearToAlaw(s int16) byte {
	v := int(s) >> 3 // 13-bit magnitude
	mask := byte(0xD5)
	if v < 0 {
		v = -v - 1
		mask = 0x55
	}
	seg := alawSegment(v)
	if seg >= 8 {
		return 0x7F ^ mask
	}
	a := byte(seg << 4)
	if seg < 2 {
		a |= byte(v>>1) & 0x0F
	} else {
		a |= byte(v>>seg) & 0x0F
	}
	return a ^ mask
}

// alawSegment finds the A-law segment of a 13-bit magnitude: 0..31, 32..63, 64..127, ...
func alawSegment(v int) int {
	ends := [8]int{0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF}
	for i, end := range ends {
		if v <= end {
			return i
		}
	}
	return 8
}

type g711Encoder struct {
	alaw bool
	n    int
}

func (e g711Encoder) Encode(pcm []int16) ([]byte, error) {
	out := make([]byte, len(pcm))
	for i, s := range pcm {
		if e.alaw {
			out[i] = linearToAlaw(s)
		} else {
			out[i] = linearToUlaw(s)
		}
	}
	return out, nil
}

func (g711Encoder) Close() {}

type g711Decoder struct {
	alaw bool
	n    int
}

func (d g711Decoder) Decode(payload []byte, pcm []int16) (int, error) {
	table := &ulawTable
	if d.alaw {
		table = &alawTable
	}
	n := min(len(payload), len(pcm))
	for i := range n {
		pcm[i] = table[payload[i]]
	}
	return n, nil
}

// Conceal repeats nothing: a lost G.711 frame is silence (G.711 Appendix I PLC
// would be better; the jitter buffer keeps losses rare on a LAN).
func (d g711Decoder) Conceal(pcm []int16) (int, error) {
	n := min(d.n, len(pcm))
	clear(pcm[:n])
	return n, nil
}

func (g711Decoder) Close() {}
