package sendbwe

import (
	"testing"
	"time"

	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
)

// bottleneck simulates a link of a given capacity with a 20 ms path: packets
// of 1200 bytes are sent at a given rate, queue behind each other when they
// come faster than the link carries them, and are dropped with the given
// share. The receiver sends feedback every 100 ms, as Pion's interceptor and
// libwebrtc do.
type bottleneck struct {
	t           *testing.T
	e           *Estimator
	rec         *twcc.Recorder
	start, now  time.Time
	seq         uint16
	lastArrival time.Time
	sinceFb     time.Duration
	n           int
}

const packetBytes = 1200

func newBottleneck(t *testing.T) *bottleneck {
	start := time.Unix(1_700_000_000, 0)
	return &bottleneck{t: t, e: New(3_000_000, 50_000, 50_000_000), rec: twcc.NewRecorder(1), start: start, now: start}
}

// run sends at sendBps for d into a link of capacityBps losing one packet
// in every loseEvery (0: none).
func (b *bottleneck) run(d time.Duration, sendBps, capacityBps float64, loseEvery int) {
	b.t.Helper()
	gap := time.Duration(float64(packetBytes*8) / sendBps * float64(time.Second))
	serve := time.Duration(float64(packetBytes*8) / capacityBps * float64(time.Second))
	for end := b.now.Add(d); b.now.Before(end); b.now = b.now.Add(gap) {
		b.e.Sent(b.seq, packetBytes, b.now)
		b.n++
		if loseEvery == 0 || b.n%loseEvery != 0 {
			arrival := b.now.Add(20 * time.Millisecond)
			if q := b.lastArrival.Add(serve); q.After(arrival) {
				arrival = q
			}
			b.lastArrival = arrival
			b.rec.Record(2, b.seq, arrival.UnixMicro())
		}
		b.seq++
		b.sinceFb += gap
		if b.sinceFb >= 100*time.Millisecond {
			b.sinceFb = 0
			raw, err := rtcp.Marshal(b.rec.BuildFeedbackPacket())
			if err != nil {
				b.t.Fatal(err)
			}
			if _, err := b.e.ReadRTCP(raw, b.now); err != nil {
				b.t.Fatal(err)
			}
		}
	}
}

// A link that carries what is sent, at a steady delay, is never seen
// congested, and the target grows, but not beyond 1.5 times what arrives.
func TestSteadyLinkIsNotCongested(t *testing.T) {
	b := newBottleneck(t)
	b.e.rate.target = 1_000_000
	for range 10 {
		b.run(time.Second, 800_000, 10_000_000, 0)
		if b.e.Congested() {
			t.Fatalf("congested on an idle link: %+v", b.e.Stats())
		}
	}
	st := b.e.Stats()
	if st.TargetBps <= 1_000_000 || st.TargetBps > 1_250_000 {
		t.Errorf("target %d after 10 s at 800 kbit/s on a free link, want grown above 1 Mbit/s and at most 1.5 × acknowledged (%d)", st.TargetBps, st.AckedBps)
	}
	if st.AckedBps < 750_000 || st.AckedBps > 850_000 {
		t.Errorf("acknowledged %d bit/s, want about the 800 000 sent", st.AckedBps)
	}
}

// Sending 2 Mbit/s into a 1 Mbit/s link builds a queue: the delay detector
// sees it within a second and the target falls under the link's capacity.
func TestOverusedLinkLowersTheTarget(t *testing.T) {
	b := newBottleneck(t)
	b.run(2*time.Second, 900_000, 1_000_000, 0)
	if b.e.Congested() {
		t.Fatalf("congested below capacity: %+v", b.e.Stats())
	}
	start := b.now
	var seen time.Duration
	for b.now.Sub(start) < 3*time.Second {
		b.run(50*time.Millisecond, 2_000_000, 1_000_000, 0)
		if b.e.Congested() && seen == 0 {
			seen = b.now.Sub(start)
		}
	}
	st := b.e.Stats()
	t.Logf("overuse seen after %v; %+v", seen, st)
	if seen == 0 || seen > time.Second {
		t.Errorf("overuse seen after %v, want within 1 s of the link filling", seen)
	}
	if st.TargetBps > 1_000_000 || st.TargetBps < 600_000 || st.Decreases == 0 {
		t.Errorf("target %d after the overuse, want below the 1 Mbit/s link and near 0.85 of it", st.TargetBps)
	}
}

// One packet in four lost: the target falls by about half the loss, every
// loss interval, and the link is congested.
func TestLossLowersTheTarget(t *testing.T) {
	b := newBottleneck(t)
	b.e.rate.target = 2_000_000
	b.run(2*time.Second, 1_000_000, 10_000_000, 4)
	st := b.e.Stats()
	if !b.e.Congested() || st.LossDecreases == 0 || st.TargetBps >= 1_000_000 {
		t.Errorf("25 %% loss: congested %v, %+v; want the target lowered below 1 Mbit/s", b.e.Congested(), st)
	}
	// 2 % loss is the link's noise, not congestion.
	b = newBottleneck(t)
	b.e.rate.target = 2_000_000
	b.run(2*time.Second, 1_000_000, 10_000_000, 50)
	if st := b.e.Stats(); b.e.Congested() || st.LossDecreases != 0 || st.TargetBps < 2_000_000 {
		t.Errorf("2 %% loss: congested %v, %+v; want the target kept", b.e.Congested(), st)
	}
}

// After a congestion the target grows back additively near the rate where it
// happened, and multiplicatively again once far more arrives.
func TestIncreaseIsAdditiveNearTheLastCongestion(t *testing.T) {
	b := newBottleneck(t)
	b.run(500*time.Millisecond, 2_000_000, 1_000_000, 0)
	after := b.e.Stats().TargetBps
	if !b.e.rate.haveCapacity {
		t.Fatal("no capacity remembered after the congestion")
	}
	// The queue drains (the link is 1 Mbit/s still), then the target grows.
	b.run(5*time.Second, 700_000, 1_000_000, 0)
	grown := b.e.Stats().TargetBps - after
	if grown <= 0 || grown > 5*additivePerSecond {
		t.Errorf("grew %d bit/s in 5 s near the last congestion, want additive (≤ %v)", grown, 5*additivePerSecond)
	}
	// Far more arrives than at the congestion: the link grew, growth is
	// multiplicative again.
	b.run(3*time.Second, 1_500_000, 10_000_000, 0)
	if b.e.rate.haveCapacity {
		t.Errorf("capacity of the last congestion still remembered at 1.5 times its rate: %+v", b.e.Stats())
	}
}

// Once the sender slowed down under the link's capacity, the queue it built
// drains: the delay is still high, but falling, and the target is not
// lowered again from what arrives then (it would be 0.85 of the slower
// rate: one congestion, two steps down).
func TestDrainingQueueIsNotASecondCongestion(t *testing.T) {
	b := newBottleneck(t)
	b.run(time.Second, 900_000, 1_000_000, 0)
	for b.e.Stats().Decreases == 0 {
		b.run(50*time.Millisecond, 2_000_000, 1_000_000, 0)
		if b.now.Sub(b.start) > 5*time.Second {
			t.Fatal("no decrease")
		}
	}
	after := b.e.Stats()
	least := after.TargetBps
	for range 60 {
		b.run(50*time.Millisecond, 600_000, 1_000_000, 0)
		least = min(least, b.e.Stats().TargetBps)
	}
	// The detector's smoothing lags a little: one more decrease may come
	// from the packets sent before the slow-down, not one from the slower
	// rate itself (0.85 × 600 kbit/s).
	if st := b.e.Stats(); least < 600_000 || st.Decreases > after.Decreases+1 {
		t.Errorf("after the first decrease (%+v), while the queue drained: least target %d, then %+v", after, least, st)
	}
}
