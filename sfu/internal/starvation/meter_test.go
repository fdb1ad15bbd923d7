package starvation

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Goroutines that spin on every processor, several per processor, make every
// runnable goroutine wait for a time slice: the meter says starved, and its
// window counts the slow waits.
func TestMeterSeesGoroutinesWaitingForAProcessor(t *testing.T) {
	m := New()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 8 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for ctx.Err() == nil {
			}
		})
	}
	defer func() { cancel(); wg.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for !m.Starved(time.Now()) {
		if time.Now().After(deadline) {
			t.Fatalf("not starved with %d spinning goroutines; last window %+v", 8*runtime.GOMAXPROCS(0), m.Last())
		}
		time.Sleep(window / 5)
	}
	t.Logf("starved: last window %+v", m.Last())
}
