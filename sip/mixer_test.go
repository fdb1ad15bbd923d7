package sip

import "testing"

func constant(v int16, n int) []int16 {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = v
	}
	return pcm
}

func TestMixTakesTheLoudestThreeAndSaturates(t *testing.T) {
	var voices []voice
	for _, v := range []int16{1, 1000, 10, 100} {
		voices = append(voices, voice{pcm: constant(v, 4), energy: frameEnergy(constant(v, 4))})
	}
	out := make([]int16, 4)
	mix(out, voices)
	if out[0] != 1110 { // 1 is the quietest of four: left out
		t.Fatalf("mixed %d", out[0])
	}
	loud := constant(30000, 4)
	mix(out, []voice{{loud, frameEnergy(loud)}, {loud, frameEnergy(loud)}})
	if out[0] != 32767 {
		t.Fatalf("saturated to %d", out[0])
	}
}
