package loadguard

import (
	"errors"
	"testing"
	"time"
)

// The guard's arithmetic on samples the test chooses: a CPU share of the cores and a
// bit rate, each compared with its budget.
func TestCheckFollowsTheSamples(t *testing.T) {
	var cpu time.Duration
	var sent uint64
	g := &Guard{b: Budget{MaxCPU: 0.5, MaxEgressBps: 8_000_000}, o: Options{
		CPUTime: func() time.Duration { return cpu }, EgressBytes: func() uint64 { return sent }, Cores: 2,
	}}
	t0 := time.Unix(1_800_000_000, 0)
	g.observe(t0)
	cpu, sent = 800*time.Millisecond, 500_000 // 0.8 core of 2 = 40 %, 4 Mbit/s
	g.observe(t0.Add(time.Second))
	if err := g.Check(); err != nil {
		t.Fatalf("within budget: %v", err)
	}
	cpu += 1200 * time.Millisecond // 1.2 cores of 2 = 60 %
	g.observe(t0.Add(2 * time.Second))
	var o *Overloaded
	if err := g.Check(); !errors.As(err, &o) || o.RetryAfter != RetryAfter {
		t.Fatalf("CPU over budget: %v", err)
	}
	cpu += 200 * time.Millisecond
	sent += 2_000_000 // 16 Mbit/s
	g.observe(t0.Add(3 * time.Second))
	if err := g.Check(); !errors.As(err, &o) || o.Reason == "" {
		t.Fatalf("egress over budget: %v", err)
	}
	if c, e := g.Load(); c != 0.1 || e != 16_000_000 {
		t.Errorf("Load = %v, %v", c, e)
	}
}

// The real CPU clock moves when the process works, and a guard without a budget
// starts no goroutine.
func TestRealSamplerAndNoBudget(t *testing.T) {
	before := processCPUTime()
	x := 0
	for i := range 50_000_000 {
		x += i
	}
	_ = x
	if processCPUTime() <= before {
		t.Error("process CPU time did not move while working")
	}
	g := New(Budget{}, Options{})
	g.Close()
	if err := g.Check(); err != nil {
		t.Errorf("no budget, refused: %v", err)
	}
	g = New(Budget{MaxCPU: 0.99}, Options{Interval: time.Millisecond})
	g.Close()
}
