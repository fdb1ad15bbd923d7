package sfu

import (
	"fmt"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// A participant that joined with ClientOffers (a WHEP player, a WHIP encoder)
// negotiates its subscriber connection the other way round: the client offers
// receive-only sections once, the server answers with the tracks it was
// subscribed to before the offer, and there is never a server offer. Tracks
// subscribed before AnswerSubscriberOffer take the offered sections of their kind
// in order (Pion pairs transceivers without a mid with remote sections by kind);
// a later offer may only restart ICE.

// AnswerSubscriberOffer applies the client's offer for the subscriber connection
// of a participant that joined with ClientOffers, and returns the answer with the
// server's candidates in it. A second offer (same sections, new ICE credentials)
// restarts ICE.
func (p *Participant) AnswerSubscriberOffer(offerSDP string) (answerSDP string, err error) {
	if p.isClosed() {
		return "", ErrParticipantClosed
	}
	if !p.clientOffers {
		return "", fmt.Errorf("%w: the server offers on this participant's subscriber connection", ErrInvalidArgument)
	}
	return p.sub.answer(offerSDP)
}

func (c *subscriberConn) answer(offer string) (string, error) {
	var sd sdp.SessionDescription
	if offer == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidSDP)
	}
	if err := sd.UnmarshalString(offer); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	if err := checkOfferTransport(&sd); err != nil {
		return "", err
	}
	if err := preflightOffer(offer); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return "", ErrParticipantClosed
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		c.rollbackOffer(err)
		return "", fmt.Errorf("%w: subscriber offer: %w", ErrInvalidSDP, err)
	}
	c.candidates.remoteSet(c.pc, c.p.log)
	answer, err := c.pc.CreateAnswer(nil)
	if err != nil {
		c.rollbackOffer(err)
		return "", fmt.Errorf("%w: no answer to the subscriber offer: %w", ErrInvalidSDP, err)
	}
	gathered := webrtc.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(answer); err != nil {
		c.rollbackOffer(err)
		return "", fmt.Errorf("%w: subscriber answer not applicable: %w", ErrInvalidSDP, err)
	}
	select {
	case <-gathered:
	case <-time.After(gatherTimeout):
		c.p.log.Warn("subscriber candidate gathering slow; answering with what was gathered")
	}
	return c.pc.LocalDescription().SDP, nil
}

// rollbackOffer is publisherConn.rollbackOffer for the subscriber connection of a
// client that offers: a session Pion cannot roll back is ended.
func (c *subscriberConn) rollbackOffer(cause error) {
	if c.pc.SignalingState() != webrtc.SignalingStateHaveRemoteOffer {
		return
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback}); err == nil {
		return
	}
	c.p.log.Warn("subscriber offer failed and cannot be rolled back; ending the session", "err", cause)
	c.p.closeAsync(vocab.ReasonTransportFailure)
}
