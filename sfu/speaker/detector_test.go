package speaker

import (
	"slices"
	"testing"
	"time"
)

const tick = 300 * time.Millisecond

// feed gives each source packets (15 per tick, 20 ms audio) at the given
// level; a negative level sends nothing (DTX or muted).
func feed(d *Detector, levels map[string]int) {
	for id, level := range levels {
		if level < 0 {
			continue
		}
		src := d.Source(id)
		for range 15 {
			src.Observe(uint8(level), true)
		}
	}
}

func ids(s []Speaker) []string {
	out := make([]string, len(s))
	for i, sp := range s {
		out[i] = sp.ID
	}
	return out
}

func TestLoudestFirstAndChangeOnlyOnChange(t *testing.T) {
	d := NewDetector(Config{Smoothing: 1}) // no smoothing: each tick stands alone
	now := time.Unix(0, 0)
	steps := []struct {
		levels      map[string]int
		wantIDs     []string
		wantChanged bool
	}{
		{map[string]int{"alice": 20, "bob": 127}, []string{"alice"}, true},
		{map[string]int{"alice": 20, "bob": 127}, []string{"alice"}, false},
		{map[string]int{"alice": 20, "bob": 5}, []string{"bob", "alice"}, true},
		{map[string]int{"alice": 21, "bob": 6}, []string{"bob", "alice"}, false}, // levels moved, order did not
		{map[string]int{"alice": 127, "bob": 5}, []string{"bob"}, true},
		{map[string]int{"alice": 10, "bob": 30}, []string{"alice", "bob"}, true},
		{map[string]int{"alice": -1, "bob": -1}, nil, true},
		{map[string]int{"alice": -1, "bob": -1}, nil, false},
	}
	for i, st := range steps {
		feed(d, st.levels)
		now = now.Add(tick)
		got, changed := d.Tick(now)
		if !slices.Equal(ids(got), st.wantIDs) || changed != st.wantChanged {
			t.Fatalf("step %d: speakers %v changed %v, want %v %v (levels %+v)", i, ids(got), changed,
				st.wantIDs, st.wantChanged, got)
		}
	}
}

func TestSmoothingHoldsThroughShortPauses(t *testing.T) {
	d := NewDetector(Config{})
	now := time.Unix(0, 0)
	var trace []bool
	// 1.5 s of speech, one silent tick (a breath), speech, then silence.
	pattern := []int{15, 15, 15, 15, 15, 127, 15, 15, 127, 127, 127, 127}
	for _, level := range pattern {
		feed(d, map[string]int{"frank": level})
		now = now.Add(tick)
		got, _ := d.Tick(now)
		trace = append(trace, len(got) == 1)
	}
	want := []bool{true, true, true, true, true, true, true, true, true, false, false, false}
	if !slices.Equal(trace, want) {
		t.Fatalf("active per tick %v\nwant            %v", trace, want)
	}
}

func TestShortNoiseDoesNotActivate(t *testing.T) {
	d := NewDetector(Config{})
	src := d.Source("carol")
	for i := range 15 {
		level := uint8(127)
		if i < 2 { // a click: 2 loud packets out of 15
			level = 3
		}
		src.Observe(level, true)
	}
	if got, changed := d.Tick(time.Unix(1, 0)); len(got) != 0 || changed {
		t.Fatalf("a click made %v a speaker", got)
	}
}

func TestSilentSourceTimesOut(t *testing.T) {
	d := NewDetector(Config{Smoothing: 0.1}) // slow decay
	now := time.Unix(0, 0)
	for range 20 {
		feed(d, map[string]int{"dave": 10})
		now = now.Add(tick)
		d.Tick(now)
	}
	if got := d.Speakers(); len(got) != 1 {
		t.Fatalf("speakers %v", got)
	}
	// DTX: no packets at all. With slow smoothing dave would linger for
	// seconds; the timeout ends it after 1 s.
	var last []Speaker
	for range 4 {
		now = now.Add(tick)
		last, _ = d.Tick(now)
	}
	if len(last) != 0 {
		t.Fatalf("silent source still speaking after 1.2 s: %v", last)
	}
}

func TestRemoveReportsChange(t *testing.T) {
	d := NewDetector(Config{})
	feed(d, map[string]int{"erin": 10})
	d.Tick(time.Unix(1, 0))
	d.Remove("erin")
	got, changed := d.Tick(time.Unix(2, 0))
	if len(got) != 0 || !changed {
		t.Fatalf("after Remove: %v changed %v", got, changed)
	}
}

func TestMaxSpeakersAndLevelScale(t *testing.T) {
	d := NewDetector(Config{MaxSpeakers: 2, Smoothing: 1})
	feed(d, map[string]int{"a": 0, "b": 10, "c": 20})
	got, _ := d.Tick(time.Unix(1, 0))
	if !slices.Equal(ids(got), []string{"a", "b"}) {
		t.Fatalf("speakers %v", ids(got))
	}
	if got[0].Level != 1 {
		t.Fatalf("0 dBov gives level %v, want 1", got[0].Level)
	}
}

func TestObserveDoesNotAllocate(t *testing.T) {
	src := NewDetector(Config{}).Source("x")
	if n := testing.AllocsPerRun(100, func() { src.Observe(30, true) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func TestConcurrentObserveAndTick(t *testing.T) {
	d := NewDetector(Config{})
	src := d.Source("x")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 10000 {
			src.Observe(10, true)
		}
	}()
	for i := range 50 {
		d.Tick(time.Unix(int64(i), 0))
	}
	<-done
}
