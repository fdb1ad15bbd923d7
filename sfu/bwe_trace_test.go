package sfu

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// traceBandwidth samples every subscriber's estimate of e four times a
// second for the rest of the test, and logs the last samples (50 s) if the
// test fails, or always with ENSEMBLE_TRACE_BANDWIDTH=1: a layer that never
// came back then shows whether the estimate stayed low, from which source
// (twcc, twcc-starved, no-feedback, ...), and whether probes ran.
func traceBandwidth(t *testing.T, e *Engine) {
	const keep = 200 // 50 s of samples, per subscriber
	var lines []string
	start := time.Now()
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-tick.C:
				for _, b := range e.BandwidthStats() {
					var layers []string
					for _, l := range b.Tracks {
						layers = append(layers, fmt.Sprintf("%s/%s paused=%v", l.Quality, l.Reason, l.Paused))
					}
					lines = append(lines, fmt.Sprintf("%6.2fs %s: estimate %d sending %d source %s probing %v (last %q) link %d acked %d %s (-%d/-%d) %s",
						now.Sub(start).Seconds(), b.Identity, b.EstimateBps, b.SendingBps, b.Source, b.Probing, b.LastProbe,
						b.LinkTargetBps, b.LinkAckedBps, b.LinkUsage, b.LinkDecreases, b.LossDecreases, strings.Join(layers, ", ")))
				}
				if len(lines) > keep {
					lines = lines[len(lines)-keep:]
				}
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		<-done
		if t.Failed() || os.Getenv("ENSEMBLE_TRACE_BANDWIDTH") != "" {
			t.Logf("the last bandwidth samples:\n%s", strings.Join(lines, "\n"))
		}
	})
}

// waitNotStarved waits (up to 15 s) until e's starvation meter has not seen
// this process starved of CPU for a second; past that it goes on, logging it.
func waitNotStarved(t *testing.T, e *Engine) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	quiet := 0
	for quiet < 10 {
		if time.Now().After(deadline) {
			t.Logf("the process was still starved of CPU after 15 s; going on")
			return
		}
		if e.starvation.Starved(time.Now()) {
			quiet = 0
		} else {
			quiet++
		}
		time.Sleep(100 * time.Millisecond)
	}
}
