package server_test

import (
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/pion/webrtc/v4"
)

// answerSubscriberOffer answers the server's first subscriber offer with a real
// Pion peer connection (closed at cleanup), as a client would.
func (c *testClient) answerSubscriberOffer() {
	c.t.Helper()
	offer := c.waitFor(protocol.TypeOffer).Body.(protocol.SDPMessage)
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { _ = pc.Close() })
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer.SDP}); err != nil {
		c.t.Fatalf("set subscriber offer: %v", err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := pc.SetLocalDescription(answer); err != nil {
		c.t.Fatal(err)
	}
	c.send(protocol.TypeAnswer, 1000, protocol.SDPMessage{SDP: answer.SDP})
	if ack := c.waitFor(protocol.TypeAck); ack.ReqID != 1000 {
		c.t.Fatalf("answer acked as %d", ack.ReqID)
	}
}
