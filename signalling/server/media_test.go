package server_test

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// pcPair is a test client's WebRTC side: a publisher and a subscriber connection
// driven by the signalling messages, as a real client does.
type pcPair struct {
	t        *testing.T
	c        *testClient
	pub, sub *webrtc.PeerConnection
}

func newPCPair(t *testing.T, c *testClient) *pcPair {
	p := &pcPair{t: t, c: c}
	var err error
	for _, pc := range []**webrtc.PeerConnection{&p.pub, &p.sub} {
		if *pc, err = webrtc.NewPeerConnection(webrtc.Configuration{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = (*pc).Close() })
	}
	trickle := func(target vocab.Target) func(*webrtc.ICECandidate) {
		return func(cand *webrtc.ICECandidate) {
			if cand != nil {
				c.trySend(protocol.TypeTrickle, 0, protocol.TrickleMessage{Target: target, Candidate: cand.ToJSON()})
			}
		}
	}
	p.pub.OnICECandidate(trickle(vocab.TargetPublisher))
	p.sub.OnICECandidate(trickle(vocab.TargetSubscriber))
	return p
}

// handle applies one server message to the connections; it reports false for a
// message it does not handle.
func (p *pcPair) handle(msg protocol.ServerMessage) bool {
	switch msg.Type {
	case protocol.TypeOffer:
		offer := msg.Body.(protocol.SDPMessage)
		if err := p.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer.SDP}); err != nil {
			p.t.Fatalf("subscriber offer: %v", err)
		}
		answer, err := p.sub.CreateAnswer(nil)
		if err != nil {
			p.t.Fatal(err)
		}
		if err := p.sub.SetLocalDescription(answer); err != nil {
			p.t.Fatal(err)
		}
		p.c.send(protocol.TypeAnswer, 0, protocol.SDPMessage{SDP: answer.SDP})
	case protocol.TypeAnswer:
		answer := msg.Body.(protocol.SDPMessage)
		if err := p.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer.SDP}); err != nil {
			p.t.Fatalf("publisher answer: %v", err)
		}
	case protocol.TypeTrickle:
		tr := msg.Body.(protocol.TrickleMessage)
		pc := p.pub
		if tr.Target == vocab.TargetSubscriber {
			pc = p.sub
		}
		if err := pc.AddICECandidate(tr.Candidate); err != nil {
			p.t.Fatalf("add %s candidate: %v", tr.Target, err)
		}
	default:
		return false
	}
	return true
}

func TestMediaFlowsThroughTheSignalledConnections(t *testing.T) {
	srv := servertest.Start(t)
	alice := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	bob := connect(t, srv.RTCURL(srv.Token("r", "bob")), protocol.TypeJoin)
	ap, bp := newPCPair(t, alice), newPCPair(t, bob)

	gotRTP := make(chan string, 1)
	bp.sub.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if _, _, err := tr.ReadRTP(); err == nil {
			select {
			case gotRTP <- tr.ID():
			default:
			}
		}
	})

	mic, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic-1", "alice-stream")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ap.pub.AddTrack(mic); err != nil {
		t.Fatal(err)
	}
	alice.send(protocol.TypeAddTrack, 1, protocol.AddTrackRequest{ClientID: "mic-1", Kind: vocab.KindAudio, Source: vocab.SourceMicrophone})
	offer, err := ap.pub.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ap.pub.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	alice.send(protocol.TypeOffer, 2, protocol.SDPMessage{SDP: offer.SDP})

	stop := make(chan struct{})
	defer close(stop)
	go func() { // opus silence, 20 ms frames
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_ = mic.WriteSample(media.Sample{Data: []byte{0xf8, 0xff, 0xfe}, Duration: 20 * time.Millisecond})
			}
		}
	}()

	var trackSID string
	bobHeard := false
	timeout := time.After(15 * time.Second)
	for {
		select {
		case msg, ok := <-alice.in:
			if !ok {
				t.Fatalf("alice's connection ended: %v", alice.err)
			}
			if ap.handle(msg) {
				continue
			}
			if msg.Type == protocol.TypeTrackPublished && msg.ReqID == 1 {
				tp := msg.Body.(protocol.TrackPublishedEvent)
				if tp.ClientID != "mic-1" || tp.Track.SID == "" {
					t.Errorf("add_track answered %+v", tp)
				}
				trackSID = tp.Track.SID
			}
			if msg.Type == protocol.TypeError {
				t.Fatalf("alice got error %+v", msg.Body)
			}
		case msg, ok := <-bob.in:
			if !ok {
				t.Fatalf("bob's connection ended: %v", bob.err)
			}
			if bp.handle(msg) {
				continue
			}
			if msg.Type == protocol.TypeTrackPublished {
				tp := msg.Body.(protocol.TrackPublishedEvent)
				bobHeard = tp.ParticipantSID == alice.join.Participant.SID && tp.Track.Kind == vocab.KindAudio
			}
			if msg.Type == protocol.TypeError {
				t.Fatalf("bob got error %+v", msg.Body)
			}
		case id := <-gotRTP:
			if trackSID != "" && id != trackSID {
				t.Errorf("bob receives track %q, want %q", id, trackSID)
			}
			if !bobHeard {
				t.Error("bob got media before track_published")
			}
			return
		case <-timeout:
			t.Fatalf("no media at bob (track %q, bob heard of it: %v)", trackSID, bobHeard)
		}
	}
}

func TestSecondJoinWithTheSameIdentityReplacesTheFirst(t *testing.T) {
	srv := servertest.Start(t)
	first := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	second := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	if cl := first.waitFor(protocol.TypeClose).Body.(protocol.CloseEvent); cl.Reason != vocab.ReasonDuplicateIdentity {
		t.Errorf("first session closed with %q, want duplicate_identity", cl.Reason)
	}
	if second.join.Participant.SID == first.join.Participant.SID {
		t.Error("the second session reuses the first participant")
	}
	eventually(t, "one session left", func() bool { return srv.Signalling.Sessions() == 1 })
}
