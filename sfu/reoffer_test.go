package sfu

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// A track published while a subscriber's connection is still being set up (its
// first offer answered, ICE and DTLS not done) does not make the server re-offer
// then: some stacks (aiortc) apply such a re-offer and never start its receivers.
// The offer waits for "connected", then brings the track.
func TestNoReofferBeforeTheSubscriberConnects(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("reoffer")
	alice := joinClient(t, room, "alice")

	var bobP atomic.Pointer[Participant]
	var mu sync.Mutex
	var states []webrtc.PeerConnectionState // the server's subscriber connection at each offer
	bob := joinClientSetup(t, room, "bob", newClientAPI(), func(c *testClient) { c.holdCandidates.Store(true) },
		func(jp *JoinParams) {
			next := jp.Sink
			jp.Sink = EventSinkFunc(func(ev Event) {
				if offer, ok := ev.(SubscriberOffer); ok && !offer.ICERestart {
					state := webrtc.PeerConnectionStateNew
					if p := bobP.Load(); p != nil {
						state = p.sub.pc.ConnectionState()
					}
					mu.Lock()
					states = append(states, state)
					mu.Unlock()
				}
				next.Send(ev)
			})
		})
	bobP.Store(bob.p)
	// Bob has answered his first offer but cannot connect yet.
	bob.waitEvent("first offer", func(ev Event) bool { _, ok := ev.(SubscriberOffer); return ok })
	alice.publish("mic", vocab.KindAudio)
	alice.negotiatePublisher(false)
	alice.waitEvent("mic published", func(ev Event) bool { _, ok := ev.(TrackPublished); return ok })
	bob.waitEvent("alice's track", func(ev Event) bool { _, ok := ev.(TrackPublished); return ok })

	bob.releaseCandidates()
	bob.waitPackets(alice.p.SID(), 1, 20)

	mu.Lock()
	defer mu.Unlock()
	if len(states) < 2 {
		t.Fatalf("bob got %d offers, want the first and one with the track", len(states))
	}
	for i, s := range states[1:] {
		if s != webrtc.PeerConnectionStateConnected {
			t.Fatalf("offer %d went out with the subscriber connection %s (offers: %v)", i+2, s, states)
		}
	}
}
