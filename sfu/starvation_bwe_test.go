package sfu

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Issue 13, item 3: CPU starvation is not congestion. The machine is made too
// busy to send and read packets on time (goroutines spinning on every
// processor, several per processor, for 6 s): the subscriber's feedback shows
// packets arriving later and later, as on a congested link, but its link is
// idle. It keeps the high layer, and its estimate never falls below what the
// high layer needs. (TestSimulcastFollowsBandwidthCap shows that a real cap
// still moves it down.)
func TestEstimatorHoldsThroughCPUStarvation(t *testing.T) {
	e := newTestEngine(t)
	_, b, _, w := onHighLayer(t, e, "starved")
	time.Sleep(time.Second)

	from := time.Now()
	seen := watchEstimates(e, b.p.sid)
	starve(6 * time.Second)
	time.Sleep(2 * time.Second) // the feedback of the starved seconds arrives late
	got := seen.stop()

	t.Logf("during and after the starvation: least estimate %d bit/s, sources %v, reasons %v", got.least, got.sources, got.reasons)
	if !got.sources["twcc-starved"] {
		t.Errorf("the estimator never saw the starvation (sources %v)", got.sources)
	}
	if got.reasons[vocab.LayerBandwidth] > 0 {
		t.Errorf("the layer was held back for bandwidth %d times", got.reasons[vocab.LayerBandwidth])
	}
	w.mu.Lock()
	for _, c := range w.changes {
		if c.at.After(from) && c.layer < 2 {
			t.Errorf("moved to layer %d %v into the starvation", c.layer, c.at.Sub(from).Round(time.Millisecond))
		}
	}
	w.mu.Unlock()
	if got := w.current(); got != 2 {
		t.Errorf("layer %d after the starvation, want 2", got)
	}
}

// starve keeps every processor busy with several spinning goroutines each for d.
func starve(d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	for range 8 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for ctx.Err() == nil {
			}
		})
	}
	wg.Wait()
}

// estimateWatch samples one subscriber's bandwidth figures until stopped.
type estimateWatch struct {
	least   int
	sources map[string]bool
	reasons map[vocab.LayerReason]int
	done    chan struct{}
	stopped chan struct{}
}

func watchEstimates(e *Engine, sid string) *estimateWatch {
	w := &estimateWatch{least: 1 << 62, sources: map[string]bool{}, reasons: map[vocab.LayerReason]int{},
		done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(w.stopped)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-tick.C:
			}
			for _, s := range e.BandwidthStats() {
				if s.ParticipantSID != sid {
					continue
				}
				w.least = min(w.least, s.EstimateBps)
				w.sources[s.Source] = true
				for _, l := range s.Tracks {
					w.reasons[l.Reason]++
				}
			}
		}
	}()
	return w
}

func (w *estimateWatch) stop() *estimateWatch {
	close(w.done)
	<-w.stopped
	return w
}
