package codec

import (
	"math"
	"testing"

	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
)

// Each codec carries a 1 kHz tone: after a second of encoding and decoding, the
// spectrum's peak is at 1 kHz and holds most of the power.
func TestEveryCodecCarriesATone(t *testing.T) {
	for _, c := range All {
		t.Run(c.Name, func(t *testing.T) {
			enc, err := NewEncoder(c)
			if err != nil {
				t.Fatal(err)
			}
			defer enc.Close()
			dec, err := NewDecoder(c)
			if err != nil {
				t.Fatal(err)
			}
			defer dec.Close()
			src := &tone.Sine{Freq: 1000, Rate: float64(c.PCMRate), Amplitude: 10000}
			var out []int16
			pcm := make([]int16, 5760)
			for range 60 {
				payload, err := enc.Encode(src.Next(c.FrameSamples()))
				if err != nil {
					t.Fatal(err)
				}
				n, err := dec.Decode(payload, pcm)
				if err != nil || n != c.FrameSamples() {
					t.Fatalf("decode: %d samples, %v", n, err)
				}
				out = append(out, pcm[:n]...)
			}
			out = out[len(out)/3:] // past the codecs' start-up
			f, share := tone.Peak(out, c.PCMRate)
			if math.Abs(f-1000) > 20 || share < 0.8 {
				t.Fatalf("peak %v Hz, share %.2f", f, share)
			}
			if n, err := dec.Conceal(pcm); err != nil || n != c.FrameSamples() {
				t.Fatalf("conceal: %d, %v", n, err)
			}
		})
	}
}

// G.711 round trips stay within half a quantisation step of the input, and the
// tables agree with the standard's fixed points (µ-law 0xFF and A-law 0xD5 are
// the codes closest to zero).
func TestG711Tables(t *testing.T) {
	if ulawTable[0xFF] != 0 || linearToUlaw(0) != 0xFF {
		t.Fatalf("µ-law zero: %d, %#x", ulawTable[0xFF], linearToUlaw(0))
	}
	if alawTable[0xD5] != 8 || linearToAlaw(0) != 0xD5 {
		t.Fatalf("A-law zero: %d, %#x", alawTable[0xD5], linearToAlaw(0))
	}
	for v := -32768; v <= 32767; v += 7 {
		for _, alaw := range []bool{false, true} {
			var back int16
			if alaw {
				back = alawTable[linearToAlaw(int16(v))]
			} else {
				back = ulawTable[linearToUlaw(int16(v))]
			}
			step := math.Max(16, math.Abs(float64(v))/16) // 4 bits of mantissa per segment
			if math.Abs(float64(back)-float64(v)) > step {
				t.Fatalf("alaw=%v: %d came back as %d", alaw, v, back)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	if c, ok := Lookup("g722", 8000); !ok || c.PCMRate != 16000 {
		t.Fatalf("G722: %+v %v", c, ok)
	}
	if _, ok := Lookup("opus", 8000); ok {
		t.Fatal("opus at 8000 Hz is not a codec")
	}
}
