package loadtest

import (
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// TestFeedbackClockSpreadsAndStops checks that the run's one feedback goroutine
// sends each receiver's feedback once per period, a tenth of the receivers
// every tenth of it, and none of a receiver once it is removed.
func TestFeedbackClockSpreadsAndStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newFeedbackClock(slog.Default())
		defer c.close()
		const n = 25
		var sent [n]atomic.Int32
		recvs := make([]*lightReceiver, n)
		for i := range recvs {
			r := newLightReceiver(nil)
			r.writer.Store(&rtcpWriterBox{w: interceptor.RTCPWriterFunc(
				func(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
					for _, p := range pkts {
						if _, ok := p.(*rtcp.TransportLayerCC); ok {
							sent[i].Add(1)
						}
					}
					return 0, nil
				})})
			recvs[i] = r
			c.add(r)
		}
		seq := uint16(0)
		arrive := func() { // every receiver gets a packet, so each has feedback to send
			for _, r := range recvs {
				seq++
				r.mu.Lock()
				r.recorder.Record(1, seq, time.Since(r.start).Microseconds())
				r.mu.Unlock()
			}
		}
		total := func() (s int32) {
			for i := range sent {
				s += sent[i].Load()
			}
			return s
		}

		arrive()
		time.Sleep(feedbackEvery / feedbackSlots)
		synctest.Wait()
		if got, want := total(), int32((n+feedbackSlots-1)/feedbackSlots); got != want {
			t.Fatalf("after a tenth of the period %d receivers sent, want %d (one slot)", got, want)
		}
		time.Sleep(feedbackEvery - feedbackEvery/feedbackSlots)
		synctest.Wait()
		for i := range sent {
			if got := sent[i].Load(); got != 1 {
				t.Fatalf("after one period receiver %d sent %d times, want 1", i, got)
			}
		}

		c.remove(recvs[0])
		for range 3 {
			arrive()
			time.Sleep(feedbackEvery)
			synctest.Wait()
		}
		if got := sent[0].Load(); got != 1 {
			t.Errorf("removed receiver sent %d times, want 1 (none after remove)", got)
		}
		for i := 1; i < n; i++ {
			if got := sent[i].Load(); got != 4 {
				t.Errorf("receiver %d sent %d times in four periods, want 4", i, got)
			}
		}
	})
}
