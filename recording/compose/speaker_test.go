package compose

import (
	"testing"
	"time"
)

// tone is a voice at power p from a to b (seconds), silent otherwise.
func tone(length time.Duration, p float64, spans ...[2]float64) voice {
	v := make(voice, int(length/levelWindow))
	for k := range v {
		at := float64(k) * levelWindow.Seconds()
		for _, s := range spans {
			if at >= s[0] && at < s[1] {
				v[k] = p
			}
		}
	}
	return v
}

func requireCover(t *testing.T, turns []Turn, length time.Duration) {
	t.Helper()
	if len(turns) == 0 || turns[0].Start != 0 || turns[len(turns)-1].End != length {
		t.Fatalf("turns %v do not cover 0 to %v", turns, length)
	}
	for i := 1; i < len(turns); i++ {
		if turns[i].Start != turns[i-1].End || turns[i].Participant == turns[i-1].Participant {
			t.Fatalf("turns %v: %d does not follow %d", turns, i, i-1)
		}
	}
}

// Two participants speak in turns: the large picture follows, a little
// after each starts (the smoothing), and the first speaker is shown from 0.
func TestSpeakerTurnsFollowTheVoices(t *testing.T) {
	length := 12 * time.Second
	voices := map[string]voice{
		"a": tone(length, 0.01, [2]float64{1, 4}, [2]float64{8, 12}),
		"b": tone(length, 0.01, [2]float64{4, 8}),
	}
	turns := speakerTurns(voices, []string{"b", "a"}, length, DefaultHold)
	requireCover(t, turns, length)
	want := []struct {
		who    string
		around time.Duration
	}{{"a", 0}, {"b", 4 * time.Second}, {"a", 8 * time.Second}}
	if len(turns) != len(want) {
		t.Fatalf("turns %v, want %d", turns, len(want))
	}
	for i, w := range want {
		if turns[i].Participant != w.who || turns[i].Start < w.around || turns[i].Start > w.around+500*time.Millisecond {
			t.Errorf("turn %d %+v, want %s from about %v", i, turns[i], w.who, w.around)
		}
	}
}

// Voices that alternate every 300 ms and a cough do not make the picture
// flicker: no turn is shorter than the hold (but the last).
func TestSpeakerTurnsHoldAndIgnoreCoughs(t *testing.T) {
	length := 20 * time.Second
	var aSpans, bSpans [][2]float64
	for s := 0.0; s < 20; s += 0.6 {
		aSpans = append(aSpans, [2]float64{s, s + 0.3})
		bSpans = append(bSpans, [2]float64{s + 0.3, s + 0.6})
	}
	voices := map[string]voice{"a": tone(length, 0.01, aSpans...), "b": tone(length, 0.01, bSpans...),
		"c": tone(length, 0.5, [2]float64{10, 10.1})}
	turns := speakerTurns(voices, []string{"a", "b", "c"}, length, DefaultHold)
	requireCover(t, turns, length)
	for i, tr := range turns[:len(turns)-1] {
		if tr.End-tr.Start < DefaultHold {
			t.Errorf("turn %d %+v shorter than the hold", i, tr)
		}
		if tr.Participant == "c" {
			t.Errorf("a cough took the picture: %+v", tr)
		}
	}
}

// Nobody speaks: the first candidate is shown throughout; a voice without a
// picture is not a candidate.
func TestSpeakerTurnsWithoutSpeech(t *testing.T) {
	length := 5 * time.Second
	turns := speakerTurns(map[string]voice{"phone": tone(length, 0.1, [2]float64{0, 5})}, []string{"x", "y"}, length, DefaultHold)
	if len(turns) != 1 || turns[0] != (Turn{0, length, "x"}) {
		t.Errorf("turns %v", turns)
	}
	if turns := speakerTurns(nil, nil, length, DefaultHold); turns != nil {
		t.Errorf("turns without candidates %v", turns)
	}
}

// A file's levels land on the time line at its offset; two files of one
// participant add up.
func TestVoicePlace(t *testing.T) {
	var v voice
	v.place([]float64{1, 2}, 300*time.Millisecond)
	v.place([]float64{1}, 400*time.Millisecond)
	want := voice{0, 0, 0, 1, 3}
	if len(v) != len(want) {
		t.Fatalf("voice %v, want %v", v, want)
	}
	for i := range v {
		if v[i] != want[i] {
			t.Fatalf("voice %v, want %v", v, want)
		}
	}
}
