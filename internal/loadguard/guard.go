package loadguard

import (
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// Budget is what the node may use; zero values are no limit.
type Budget struct {
	// MaxCPU is the share of the machine's cores the process may use (0.85 = 85 %).
	MaxCPU float64
	// MaxEgressBps is the forwarded media bit rate, bits per second.
	MaxEgressBps int64
}

func (b Budget) on() bool { return b.MaxCPU > 0 || b.MaxEgressBps > 0 }

// RetryAfter is what an overloaded node asks joiners to wait: long enough for a
// meeting's start-of-hour rush to pass, short enough that people do not give up.
const RetryAfter = 10 * time.Second

// Overloaded is the refusal of Check.
type Overloaded struct {
	Reason     string
	RetryAfter time.Duration
}

func (e *Overloaded) Error() string { return "node overloaded: " + e.Reason }

// Options are the guard's sources; nil fields take the real ones.
type Options struct {
	// EgressBytes is the total of bytes forwarded so far (the engine's counter).
	EgressBytes func() uint64
	// CPUTime is the process's CPU time so far (user + system).
	CPUTime func() time.Duration
	// Cores is the number of cores the budget's share is of; 0 = runtime.NumCPU.
	Cores    int
	Interval time.Duration // 0 = 1 s
}

// Guard holds the last measured load. Create it with New, stop it with Close.
type Guard struct {
	b    Budget
	o    Options
	stop chan struct{}
	done chan struct{}

	mu        sync.Mutex
	cpu       float64 // share of the cores, last interval
	egressBps int64
	last      sample
}

type sample struct {
	at     time.Time
	cpu    time.Duration
	egress uint64
}

// New starts sampling when b has a limit.
func New(b Budget, o Options) *Guard {
	if o.CPUTime == nil {
		o.CPUTime = processCPUTime
	}
	if o.EgressBytes == nil {
		o.EgressBytes = func() uint64 { return 0 }
	}
	if o.Cores <= 0 {
		o.Cores = runtime.NumCPU()
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	g := &Guard{b: b, o: o, stop: make(chan struct{}), done: make(chan struct{})}
	if !b.on() {
		close(g.done)
		return g
	}
	g.observe(time.Now())
	go g.run()
	return g
}

func (g *Guard) run() {
	defer close(g.done)
	t := time.NewTicker(g.o.Interval)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case now := <-t.C:
			g.observe(now)
		}
	}
}

// observe takes a sample and updates the rates since the previous one.
func (g *Guard) observe(now time.Time) {
	s := sample{at: now, cpu: g.o.CPUTime(), egress: g.o.EgressBytes()}
	g.mu.Lock()
	defer g.mu.Unlock()
	if prev := g.last; !prev.at.IsZero() {
		if dt := s.at.Sub(prev.at); dt > 0 {
			g.cpu = float64(s.cpu-prev.cpu) / float64(dt) / float64(g.o.Cores)
			if s.egress >= prev.egress {
				g.egressBps = int64(float64(s.egress-prev.egress) * 8 / dt.Seconds())
			}
		}
	}
	g.last = s
}

// Load is the last measured CPU share and forwarded bit rate.
func (g *Guard) Load() (cpu float64, egressBps int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cpu, g.egressBps
}

// Check returns an *Overloaded when the last measure is past the budget.
func (g *Guard) Check() error {
	cpu, egress := g.Load()
	switch {
	case g.b.MaxCPU > 0 && cpu > g.b.MaxCPU:
		return &Overloaded{Reason: fmt.Sprintf("CPU at %.0f %% of the node's cores, budget %.0f %%", cpu*100, g.b.MaxCPU*100), RetryAfter: RetryAfter}
	case g.b.MaxEgressBps > 0 && egress > g.b.MaxEgressBps:
		return &Overloaded{Reason: fmt.Sprintf("forwarding %.1f Mbit/s, budget %.1f Mbit/s", float64(egress)/1e6, float64(g.b.MaxEgressBps)/1e6), RetryAfter: RetryAfter}
	}
	return nil
}

// Close stops sampling.
func (g *Guard) Close() {
	select {
	case <-g.stop:
	default:
		close(g.stop)
	}
	<-g.done
}

func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
