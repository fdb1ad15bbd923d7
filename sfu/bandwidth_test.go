package sfu

import (
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// newTestLink is a subscriber connection's estimator, made by the engine's
// own interceptor factory.
func newTestLink(t testing.TB) *linkEstimator {
	t.Helper()
	reg := newEstimatorRegistry()
	ic, err := reg.factory().NewInterceptor("pc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ic.Close() })
	link := reg.take("pc").link
	if link == nil {
		t.Fatal("the factory registered no estimator")
	}
	return link
}

// feedRTCP hands the link RTCP packets as they come off the wire.
func feedRTCP(t testing.TB, link *linkEstimator, pkts ...rtcp.Packet) {
	t.Helper()
	raw, err := rtcp.Marshal(pkts)
	if err != nil {
		t.Fatal(err)
	}
	link.ReadRTCP(raw, time.Now())
}

// A client that sends REMB and no transport-cc feedback is taken at its word.
func TestEstimateFollowsREMBWithoutTWCC(t *testing.T) {
	link := newTestLink(t)
	b := newBandwidthEstimate(link, nil, nil)
	now := time.Now()
	b.update(now, 0)
	if b.estimate != initialEstimate || b.lastSource != "initial" {
		t.Fatalf("before any feedback: %d from %s, want the initial estimate", b.estimate, b.lastSource)
	}
	feedRTCP(t, link, &rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 450_000, SSRCs: []uint32{1}})
	b.update(time.Now(), 0)
	if b.estimate != 450_000 || b.lastSource != "remb" {
		t.Fatalf("after REMB 450000: %d from %s", b.estimate, b.lastSource)
	}
	if _, ok := b.wantProbe(time.Now(), 2_000_000); ok {
		t.Error("probing a REMB-only client: its own estimate says how much it takes")
	}
	// An old REMB no longer counts.
	b.update(time.Now().Add(2*rembTTL), 0)
	if b.estimate != 450_000 {
		t.Errorf("estimate moved to %d without feedback", b.estimate)
	}
	// A tiny REMB (a receiver-side estimator that has received nothing yet) does
	// not pause everything: the estimate stays at rembFloor, where the lowest
	// layers flow and the receiver can see its REMB rise.
	feedRTCP(t, link, &rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 18_000, SSRCs: []uint32{1}})
	b.update(time.Now(), 0)
	if b.estimate != rembFloor {
		t.Errorf("after REMB 18000: %d, want the floor %d", b.estimate, rembFloor)
	}
}

// A link that answered with TWCC feedback and then fell silent, because
// every video was paused and nothing is sent to it, is still probed: only a
// probe's padding can bring feedback back. A probe that gets no answer fails
// and the next waits longer.
func TestSilentTWCCLinkIsStillProbed(t *testing.T) {
	link := newTestLink(t)
	b := newBandwidthEstimate(link, nil, nil)
	t0 := time.Now()
	link.LastFeedback.Store(t0.UnixNano()) // feedback came once
	b.estimate = 100_000
	now := t0.Add(10 * time.Second)
	b.update(now, 0)
	if b.estimate != 100_000 || b.lastSource != "no-feedback" {
		t.Fatalf("silent link: estimate %d from %s, want 100000 held, from no-feedback", b.estimate, b.lastSource)
	}
	target, ok := b.wantProbe(now, 250_000)
	if !ok || target != 250_000 {
		t.Fatalf("silent link not probed: %d, %v", target, ok)
	}
	b.update(now.Add(probeDuration), 250_000)
	if !b.probing {
		t.Fatal("a probe ended before its feedback could come")
	}
	now = now.Add(probeDuration + probeAnswerWait)
	b.update(now, 250_000)
	if b.probing || b.lastProbe != "no-answer" {
		t.Fatalf("a probe with no feedback did not end as no-answer (probing %v, %q)", b.probing, b.lastProbe)
	}
	if _, ok := b.wantProbe(now.Add(probeBackoffMin/2), 250_000); ok {
		t.Error("probed again before the back-off")
	}
	if _, ok := b.wantProbe(now.Add(probeBackoffMin), 250_000); !ok {
		t.Error("not probed again after the back-off")
	}
}

// A link that never sent TWCC feedback is not probed: nothing would answer.
func TestLinkWithoutTWCCIsNotProbed(t *testing.T) {
	b := newBandwidthEstimate(newTestLink(t), nil, nil)
	b.estimate = 100_000
	if _, ok := b.wantProbe(time.Now(), 250_000); ok {
		t.Error("probing a link that never sent TWCC feedback")
	}
}

// The estimator sits on every packet sent to a subscriber.
func BenchmarkLinkEstimatorWrite(b *testing.B) {
	le := newTestLink(b)
	info := &interceptor.StreamInfo{SSRC: 1, RTPHeaderExtensions: []interceptor.RTPHeaderExtension{{URI: sdp.TransportCCURI, ID: 5}}}
	w := le.BindLocalStream(info, interceptor.RTPWriterFunc(func(*rtp.Header, []byte, interceptor.Attributes) (int, error) { return 0, nil }))
	hdr := &rtp.Header{Version: 2, SSRC: 1}
	seq := []byte{0, 0}
	_ = hdr.SetExtension(5, seq)
	payload := make([]byte, 1000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		seq[0], seq[1] = byte(i>>8), byte(i) // the header keeps this slice
		if _, err := w.Write(hdr, payload, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// starvedFor is a starvation reading fixed by the test.
type starvedFor struct{ until time.Time }

func (s starvedFor) Starved(now time.Time) bool { return now.Before(s.until) }

// A probe on a silent link waits longer for its answer while the machine is
// starved of CPU: the feedback may only be late. On a loaded machine, failing
// it after probeDuration kept a paused subscriber paused, probe after probe.
func TestSilentProbeWaitsForLateFeedbackWhileStarved(t *testing.T) {
	link := newTestLink(t)
	b := newBandwidthEstimate(link, nil, nil)
	t0 := time.Now()
	link.LastFeedback.Store(t0.UnixNano())
	b.estimate = 100_000
	now := t0.Add(10 * time.Second)
	b.starved = starvedFor{until: now.Add(time.Hour)}
	if _, ok := b.wantProbe(now, 250_000); !ok {
		t.Fatal("silent link not probed")
	}
	b.update(now.Add(probeDuration), 250_000)
	if !b.probing || b.lastSource != "no-feedback-starved" {
		t.Fatalf("starved: probe ended after %v without feedback (source %s)", probeDuration, b.lastSource)
	}
	b.update(now.Add(starvedProbeWait), 250_000)
	if b.probing {
		t.Fatalf("starved: probe still running after %v without feedback", starvedProbeWait)
	}

	// Once the starvation is over, the usual wait applies again.
	b.starved = starvedFor{}
	later := now.Add(time.Minute)
	if _, ok := b.wantProbe(later, 250_000); !ok {
		t.Fatal("not probed again")
	}
	b.update(later.Add(probeDuration+probeAnswerWait), 250_000)
	if b.probing {
		t.Fatal("a probe with no feedback on a machine that is not starved did not end")
	}
}
