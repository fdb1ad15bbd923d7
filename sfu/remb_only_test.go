package sfu

import (
	"net"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// newREMBOnlyClientAPI is a client like aiortc: no transport-wide congestion
// control at all, NACKs and receiver reports only; its bandwidth word is REMB.
func newREMBOnlyClientAPI(t *testing.T) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		t.Fatal(err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, reg); err != nil {
		t.Fatal(err)
	}
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		t.Fatal(err)
	}
	var s webrtc.SettingEngine
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetIncludeLoopbackCandidate(true)
	s.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	s.SetICEMulticastDNSMode(0)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(s), webrtc.WithInterceptorRegistry(reg))
}

// A REMB-only subscriber whose REMB says 30 kbit/s (what a receiver-side
// estimator says before it has received anything) keeps receiving video: the
// server does not pause it for good, which would keep its REMB low forever.
func TestREMBOnlySubscriberKeepsItsVideo(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("remb-only")
	a := joinClient(t, room, "alice")
	b := joinClientAPI(t, room, "bob", newREMBOnlyClientAPI(t))
	watches := b.watchLayers()
	sp := a.publishSimulcastRated("cam", vocab.SourceCamera)
	a.negotiatePublisher(false)

	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				// REMB names the media it is about; the server routes RTCP by it.
				var ssrcs []uint32
				for _, r := range b.sub.GetReceivers() {
					if tr := r.Track(); tr != nil && tr.SSRC() != 0 {
						ssrcs = append(ssrcs, uint32(tr.SSRC()))
					}
				}
				if len(ssrcs) > 0 {
					_ = b.sub.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 30_000, SSRCs: ssrcs}})
				}
			}
		}
	}()
	w := b.watch(watches, sp.info.SID)
	// Past rembTTL and several allocation rounds with only that REMB, video still arrives.
	time.Sleep(2 * rembTTL)
	_, _, _, before := w.snapshot()
	if ev, ok := b.lastLayerEvent(sp.info.SID); ok {
		t.Logf("layer under a 30 kbit/s REMB: %s, paused %v, estimate %d", ev.Quality, ev.Paused, ev.EstimateBps)
	}
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		if _, _, _, now := w.snapshot(); now >= before+30 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, _, _, now := w.snapshot()
	t.Fatalf("bob's video stopped under a 30 kbit/s REMB: %d packets after %d", now, before)
}

// A subscriber that sends no bandwidth feedback at all (neither transport-cc
// nor REMB) keeps the initial estimate: it gets the layer it asks for.
func TestSubscriberWithoutFeedbackKeepsADefault(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("no-feedback")
	a := joinClient(t, room, "alice")
	b := joinClientAPI(t, room, "bob", newREMBOnlyClientAPI(t))
	watches := b.watchLayers()
	sp := a.publishSimulcastRated("cam", vocab.SourceCamera)
	a.negotiatePublisher(false)
	w := b.watch(watches, sp.info.SID)
	waitLayer(t, w, 2, rampTimeout)
	time.Sleep(2 * rembTTL) // several allocation rounds without any feedback
	if got := w.current(); got != 2 {
		t.Fatalf("layer %d after %v without feedback, want the top one", got, 2*rembTTL)
	}
}
