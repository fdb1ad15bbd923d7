package sfu

import (
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// probedLink is a subscriber link driven packet by packet: packets go
// through the estimator's writer with a transport-wide sequence number, and
// Pion's TWCC recorder, playing the receiver, writes the feedback.
type probedLink struct {
	t    *testing.T
	link *linkEstimator
	w    interceptor.RTPWriter
	rec  *twcc.Recorder
	seq  uint16
}

func newProbedLink(t *testing.T) *probedLink {
	link := newTestLink(t)
	info := &interceptor.StreamInfo{SSRC: 1, RTPHeaderExtensions: []interceptor.RTPHeaderExtension{{URI: sdp.TransportCCURI, ID: 5}}}
	w := link.BindLocalStream(info, interceptor.RTPWriterFunc(func(*rtp.Header, []byte, interceptor.Attributes) (int, error) { return 0, nil }))
	return &probedLink{t: t, link: link, w: w, rec: twcc.NewRecorder(9)}
}

// send writes n packets; the i-th arrives delay(i) after the first was sent,
// or is lost when delay returns a negative duration.
func (l *probedLink) send(n int, delay func(i int) time.Duration) {
	for i := range n {
		hdr := &rtp.Header{Version: 2, SSRC: 1, SequenceNumber: l.seq}
		if err := hdr.SetExtension(5, []byte{byte(l.seq >> 8), byte(l.seq)}); err != nil {
			l.t.Fatal(err)
		}
		sent := time.Now()
		if _, err := l.w.Write(hdr, make([]byte, 1000), nil); err != nil {
			l.t.Fatal(err)
		}
		if d := delay(i); d >= 0 {
			l.rec.Record(1, l.seq, sent.Add(d).UnixMicro())
		}
		l.seq++
	}
}

func (l *probedLink) feedback() {
	feedRTCP(l.t, l.link, l.rec.BuildFeedbackPacket()...)
}

func steady(int) time.Duration { return 10 * time.Millisecond }

// startProbe leaves the estimator believing the link congested (half of the media before
// the probe lost, the situation of a subscriber paused after a capped link),
// then starts a probe toward 1 Mbit/s.
func startProbe(t *testing.T, starved cpuStarvation) (*probedLink, *bandwidthEstimate, time.Time) {
	l := newProbedLink(t)
	l.send(100, func(i int) time.Duration {
		if i%2 == 0 {
			return -1
		}
		return 10 * time.Millisecond
	})
	l.feedback()
	if !l.link.congested() {
		t.Fatal("the estimator does not see the link congested after 50 % loss")
	}
	b := newBandwidthEstimate(l.link, nil, nil)
	b.starved = starved
	b.estimate = 100_000
	now := time.Now()
	if _, ok := b.wantProbe(now, 1_000_000); !ok {
		t.Fatal("not probed")
	}
	return l, b, now
}

// A probe whose packets all arrive, without their delay growing, raises the
// estimate, whatever the estimator last said of the media before it: that state can be
// seconds old when every video of the subscriber was paused, and probes
// judged by it failed one after the other after a capped link recovered.
func TestProbeIsJudgedByItsOwnFeedback(t *testing.T) {
	l, b, now := startProbe(t, nil)
	l.send(60, steady)
	l.feedback()
	b.update(now.Add(probeDuration/2), 900_000)
	if !b.probing {
		t.Fatalf("probe ended half-way (%q) on a link that carries it", b.lastProbe)
	}
	b.update(now.Add(probeDuration), 900_000)
	if b.probing || b.lastProbe != "raised" || b.estimate != 1_000_000 {
		t.Fatalf("probe: probing %v, verdict %q, estimate %d; want raised to 1000000", b.probing, b.lastProbe, b.estimate)
	}
}

// A probe whose packets are lost fails at once, and the estimate is guarded
// from falling below what the media alone needed.
func TestLossyProbeFails(t *testing.T) {
	l, b, now := startProbe(t, nil)
	l.send(60, func(i int) time.Duration {
		if i%3 == 0 {
			return -1
		}
		return 10 * time.Millisecond
	})
	l.feedback()
	b.update(now.Add(probeDuration/2), 900_000)
	if b.probing || b.lastProbe != "lossy" || b.estimate != 100_000 {
		t.Fatalf("probe: probing %v, verdict %q, estimate %d; want failed as lossy at 100000", b.probing, b.lastProbe, b.estimate)
	}
}

// A probe whose packets wait longer and longer fills a queue: it fails,
// unless the machine is starved of CPU, when the delay is its own doing.
func TestQueueingProbeFailsUnlessStarved(t *testing.T) {
	filling := func(i int) time.Duration { return time.Duration(i) * 3 * time.Millisecond }
	l, b, now := startProbe(t, nil)
	l.send(60, filling)
	l.feedback()
	b.update(now.Add(probeDuration/2), 900_000)
	if b.probing || b.lastProbe != "congested" {
		t.Fatalf("probe into a filling queue: probing %v, verdict %q; want failed as congested", b.probing, b.lastProbe)
	}

	l, b, now = startProbe(t, starvedFor{until: time.Now().Add(time.Hour)})
	l.send(60, filling)
	l.feedback()
	b.update(now.Add(probeDuration), 900_000)
	if b.lastProbe != "raised" {
		t.Fatalf("starved machine: verdict %q, want raised (delay not believed)", b.lastProbe)
	}
}

// A probe judged before most of its feedback came waits for it.
func TestProbeWaitsForItsFeedback(t *testing.T) {
	l, b, now := startProbe(t, nil)
	l.send(10, steady)
	l.feedback()
	l.send(50, steady) // no feedback yet
	b.update(now.Add(probeDuration), 900_000)
	if !b.probing {
		t.Fatalf("probe judged (%q) on the feedback of 10 of its 60 packets", b.lastProbe)
	}
	l.feedback()
	b.update(now.Add(probeDuration+probeAnswerWait/2), 900_000)
	if b.probing || b.lastProbe != "raised" {
		t.Fatalf("probe: probing %v, verdict %q; want raised once its feedback came", b.probing, b.lastProbe)
	}
}
