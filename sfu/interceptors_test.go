package sfu

import (
	"github.com/ensemble-sfu/ensemble/sfu/twccext"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// receivingLoops are the goroutines of the receiving side's interceptors: a
// NACK generator's and a TWCC feedback sender's ticking every 100 ms, the
// receiver reports' every second, each for the life of its connection.
var receivingLoops = []string{
	"nack.(*GeneratorInterceptor).loop",
	"twcc.(*SenderInterceptor).loop",
	"report.(*ReceiverInterceptor).loop",
}

// runningLoops counts the goroutines running each of receivingLoops.
func runningLoops() map[string]int {
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	n := map[string]int{}
	for _, l := range receivingLoops {
		n[l] = strings.Count(stacks, l)
	}
	return n
}

// A subscriber connection receives no media: it runs none of the receiving
// side's interceptors (their goroutines ticked for nothing, once per
// subscriber, and the receiver reports parsed every RTCP packet a subscriber
// sent); a publisher connection runs all three.
func TestOnlyPublisherConnectionsRunTheReceivingInterceptors(t *testing.T) {
	e := newTestEngine(t)
	before := runningLoops()
	for _, tc := range []struct {
		name       string
		subscriber bool
		want       int
	}{{"publisher", false, 1}, {"subscriber", true, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := newMediaEngine()
			if err != nil {
				t.Fatal(err)
			}
			var bwe interceptor.Factory
			twcc := interceptor.Factory(twccext.Factory{})
			if tc.subscriber {
				bwe, twcc = e.bwe.factory(), e.bwe.twccFactory()
			}
			reg, err := newInterceptors(m, nil, bwe, twcc)
			if err != nil {
				t.Fatal(err)
			}
			i, err := reg.Build("pc-" + tc.name)
			if err != nil {
				t.Fatal(err)
			}
			i.BindRTCPWriter(interceptor.RTCPWriterFunc(func([]rtcp.Packet, interceptor.Attributes) (int, error) { return 0, nil }))
			// The loops start on their own goroutines: give them a moment to show.
			deadline := time.Now().Add(2 * time.Second)
			var got map[string]int
			for {
				got = runningLoops()
				all := true
				for _, l := range receivingLoops {
					all = all && got[l]-before[l] == tc.want
				}
				if all || time.Now().After(deadline) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			for _, l := range receivingLoops {
				if d := got[l] - before[l]; d != tc.want {
					t.Errorf("%s: %d goroutines running %s, want %d", tc.name, d, l, tc.want)
				}
			}
			if err := i.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
