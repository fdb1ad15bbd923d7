package sfu

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/internal/netsim"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// A subscriber's transport-wide feedback is read while retransmissions flow
// to it. A receiver addresses its feedback to the SSRC of the last packet
// with a transport-wide number it got (Pion, like Chrome), and Pion reads a
// sender's RTCP on its primary SSRC only: while retransmissions on the RTX
// SSRC carried a number, the feedback sent after one of them was dropped
// unread (one in ten over this test's link; in TestSimulcastFollowsBandwidthCap
// every feedback of a whole second), and the estimator went blind exactly
// when the link was losing packets.
//
// Bob is a recorder, so that the allocator keeps him on the top layer over a
// link too narrow for it: the link drops packets all along, bob NACKs them,
// and the server retransmits.
func TestFeedbackIsReadWhileRetransmissionsFlow(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("rtx-feedback")
	a := joinClient(t, room, "alice")
	link := netsim.NewLink(0)
	api, feedbackSent := newFeedbackCountingClientAPI(t, link)
	b := joinClientAPI(t, room, "bob", api, func(p *JoinParams) { p.Kind = vocab.ParticipantRecorder })
	watches := b.watchLayers()
	sp := a.publishSimulcastRated("cam", vocab.SourceCamera)
	a.negotiatePublisher(false)
	w := b.watch(watches, sp.info.SID)
	waitLayer(t, w, 2, rampTimeout)

	b.p.mu.Lock()
	server := b.p.sub.link
	b.p.mu.Unlock()
	if server == nil {
		t.Fatal("bob's connection has no estimator")
	}
	link.SetRate(500_000) // under the top layer (800 kbit/s): packets are dropped all along
	time.Sleep(time.Second)
	_, downs := b.p.mediaStats()
	rtx0 := downs[0].Retransmits
	sent0, read0 := feedbackSent.Load(), server.Feedbacks.Load()
	time.Sleep(5 * time.Second)
	sent, read := feedbackSent.Load()-sent0, int64(server.Feedbacks.Load()-read0)
	_, downs = b.p.mediaStats()
	rtx := downs[0].Retransmits - rtx0
	t.Logf("in 5 s over a 500 kbit/s link: %d retransmissions, %d feedback packets sent by bob, %d read by the server", rtx, sent, read)
	if rtx == 0 {
		t.Fatal("no retransmission in 5 s: the test shows nothing")
	}
	// Two may be on their way when the counts are read.
	if sent == 0 || read+2 < sent {
		t.Errorf("the server read %d of the %d feedback packets bob sent", read, sent)
	}
}

// newFeedbackCountingClientAPI is newShapedClientAPI that also counts the
// transport-wide feedback packets the client sends.
func newFeedbackCountingClientAPI(t *testing.T, link *netsim.Link) (*webrtc.API, *atomic.Int64) {
	t.Helper()
	counter := &feedbackCounter{}
	return newShapedClientAPIWith(t, link, counter), &counter.sent
}

// feedbackCounter counts the TWCC feedback written below Pion's TWCC
// interceptor: registered first, it is the writer that interceptor writes to.
type feedbackCounter struct {
	interceptor.NoOp
	sent atomic.Int64
}

func (c *feedbackCounter) NewInterceptor(string) (interceptor.Interceptor, error) { return c, nil }

func (c *feedbackCounter) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		for _, p := range pkts {
			if _, ok := p.(*rtcp.TransportLayerCC); ok {
				c.sent.Add(1)
			}
		}
		return w.Write(pkts, a)
	})
}
