package sfu

import (
	"slices"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// A track subscribed while the subscriber connection is still being set up (the
// client answered the first offer but its ICE and DTLS have not finished) is not
// re-offered at once: a client in its DTLS handshake may apply the re-offer and
// never start the receiver (aiortc did; issue 14 defect 5). The re-offer goes
// out once the connection is connected, and the track then flows.
func TestReofferWaitsForTheSubscriberConnection(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("slow-dtls")
	pub := joinClient(t, room, "pub")
	track := pub.publish("cam", vocab.KindVideo)
	pub.negotiatePublisher(false)
	waitFor(t, "the camera live", func() bool { _, tr := room.findTrack(track.SID); return tr != nil && tr.up.Load() != nil })

	log := newEventLog()
	p, err := room.Join(JoinParams{Identity: "late", Permissions: vocab.Permissions{CanSubscribe: true}, Sink: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(vocab.ReasonClientLeft) })
	client, err := newClientAPI().NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	packets := make(chan struct{}, 1)
	client.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			select {
			case packets <- struct{}{}:
			default:
			}
		}
	})
	offers := func() []SubscriberOffer {
		var out []SubscriberOffer
		for _, ev := range log.all() {
			if o, ok := ev.(SubscriberOffer); ok {
				out = append(out, o)
			}
		}
		return out
	}
	waitFor(t, "the first offer", func() bool { return len(offers()) == 1 })
	if err := client.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offers()[0].SDP}); err != nil {
		t.Fatal(err)
	}
	answer, err := client.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	// The server has the answer; the client has not applied it yet, so its ICE
	// agent and DTLS have not started: the connection cannot be connected.
	if err := p.HandleAnswer(answer.SDP); err != nil {
		t.Fatal(err)
	}
	if err := p.Subscribe(track.SID); err != nil {
		t.Fatal(err)
	}
	if n := len(offers()); n != 1 {
		t.Fatalf("%d offers after subscribing before the connection is up; want the re-offer held", n)
	}

	// The client finishes setting up: candidates both ways, then connected.
	client.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			_ = p.AddICECandidate(ICECandidate{Target: vocab.TargetSubscriber, Candidate: c.ToJSON()})
		}
	})
	if err := client.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	for _, ev := range log.all() {
		if c, ok := ev.(ICECandidateEvent); ok {
			if err := client.AddICECandidate(c.Candidate); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor(t, "the re-offer once connected", func() bool { return len(offers()) == 2 })
	reoffer := offers()[1]
	if !strings.Contains(reoffer.SDP, "m=video") {
		t.Fatalf("the re-offer has no video section:\n%s", reoffer.SDP)
	}
	if err := client.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: reoffer.SDP}); err != nil {
		t.Fatal(err)
	}
	answer, err = client.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	if err := p.HandleAnswer(answer.SDP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "video at the late client", func() bool {
		select {
		case <-packets:
			return true
		default:
			return false
		}
	})
}

// An ICE restart offer comes before any candidate of the new ICE session: Pion
// gathers them as the offer is created, and a client that got one before the
// offer would drop it for its unknown ufrag and might never reconnect (what made
// TestResumeWithOutstandingOffer fail about one run in twenty).
func TestRestartCandidatesFollowTheRestartOffer(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("restart-order")
	a := joinClient(t, room, "alice")
	a.waitEvent("first offer", isEvent[SubscriberOffer](nil))
	waitFor(t, "connected", func() bool { return a.sub.ConnectionState() == webrtc.PeerConnectionStateConnected })
	for range 5 {
		before := len(a.log.all())
		if err := a.p.Resume(a.log); err != nil {
			t.Fatal(err)
		}
		restart := isEvent(func(o SubscriberOffer) bool { return o.ICERestart })
		waitFor(t, "the restart offer", func() bool { return slices.ContainsFunc(a.log.all()[before:], restart) })
		evs := a.log.all()[before:]
		for _, ev := range evs {
			if o, ok := ev.(SubscriberOffer); ok && o.ICERestart {
				break
			}
			if _, ok := ev.(ICECandidateEvent); ok {
				t.Fatalf("a candidate before the restart offer: %s", describe(evs))
			}
		}
		waitFor(t, "reconnected", func() bool {
			return a.handled(len(a.log.all()), func(Event) bool { return true }) &&
				a.sub.ConnectionState() == webrtc.PeerConnectionStateConnected
		})
	}
}
