package dtmf

import (
	"encoding/binary"
	"strings"
	"testing"
)

// FuzzFeed feeds any audio (bytes as little-endian samples) at 8 and 16 kHz:
// never a panic, only keys of the pad, and at most one key per 40 ms.
func FuzzFeed(f *testing.F) {
	tone := tones("1#", 8000, 0.1, 0.05, 6000)
	b := make([]byte, 2*len(tone))
	for i, s := range tone {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	f.Add(b, false)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, data []byte, wide bool) {
		rate := 8000
		if wide {
			rate = 16000
		}
		pcm := make([]int16, len(data)/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
		got := New(rate).Feed(pcm)
		if len(got) > len(pcm)/(rate/25)+1 {
			t.Fatalf("%d keys in %d samples", len(got), len(pcm))
		}
		for _, k := range got {
			if !strings.ContainsRune("0123456789*#ABCD", k) {
				t.Fatalf("key %q", k)
			}
		}
	})
}
