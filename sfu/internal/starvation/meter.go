package starvation

import (
	"runtime/metrics"
	"sync"
	"time"
)

const (
	schedLatencies = "/sched/latencies:seconds"
	// window is the least time between two reads: a window holds enough
	// scheduling events to judge, and reads stay rare.
	window = 250 * time.Millisecond
	// slowWait is a wait for a processor that no healthy machine shows (they
	// are microseconds) and that is as large as the delay swings the
	// estimator's delay detector reacts to.
	slowWait = 4e-3 // seconds
	// slowShare is the share of a window's scheduling events that must wait
	// slowWait or more for the window to count as starved.
	slowShare = 0.01
	// hold is how long a starved window taints the feedback after it: the
	// estimator's delay trend spans about a second of packets, which were
	// sent and read during the starvation.
	hold = 2 * time.Second
)

// Meter reads the runtime's scheduling latencies. It is safe for concurrent
// use; the zero value is not ready, use New.
type Meter struct {
	mu           sync.Mutex
	sample       []metrics.Sample
	prev         []uint64
	readAt       time.Time
	starvedUntil time.Time
	last         Window
}

// Window is what one read found, for logs and tests.
type Window struct {
	Events, Slow uint64
}

// New returns a meter whose first window starts now.
func New() *Meter {
	m := &Meter{sample: []metrics.Sample{{Name: schedLatencies}}}
	m.read(time.Now())
	return m
}

// Starved reports whether the process was starved of CPU at now or within the
// hold before it. It reads the runtime's figures when a window has passed
// since the last read.
func (m *Meter) Starved(now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Sub(m.readAt) >= window {
		if w := m.read(now); w.Events > 0 && float64(w.Slow) >= slowShare*float64(w.Events) {
			m.starvedUntil = now.Add(hold)
		}
	}
	return now.Before(m.starvedUntil)
}

// Last is the window read last.
func (m *Meter) Last() Window {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

// read takes the histogram's counts since the previous read.
func (m *Meter) read(now time.Time) Window {
	metrics.Read(m.sample)
	m.readAt = now
	if m.sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		return Window{} // a runtime without the metric: never starved
	}
	h := m.sample[0].Value.Float64Histogram()
	var w Window
	if len(m.prev) == len(h.Counts) {
		for i, c := range h.Counts {
			d := c - m.prev[i]
			w.Events += d
			if h.Buckets[i] >= slowWait { // the bucket's lower bound
				w.Slow += d
			}
		}
	}
	m.prev = append(m.prev[:0], h.Counts...)
	m.last = w
	return w
}
