package sfu

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// gatherTimeout bounds the wait for local candidates before an answer is
// returned. With the UDP and TCP muxes there are only host candidates, which
// are known at once.
const gatherTimeout = 2 * time.Second

// publisherConn is the connection carrying media from the participant. The
// client offers; the answer is returned with the server's candidates in it, so
// that no server candidate can reach the client before the answer does.
type publisherConn struct {
	p  *Participant
	pc *webrtc.PeerConnection

	mu         sync.Mutex // serializes negotiation
	candidates remoteCandidates

	// PLI writes in flight (sendPLI); closed: no more.
	pliMu     sync.Mutex
	pliClosed bool
	pliWrites int
	pliWG     sync.WaitGroup
}

// maxPLIWrites bounds the PLI writes waiting for one publisher's transport.
const maxPLIWrites = 4

func newPublisherConn(p *Participant) (*publisherConn, error) {
	pc, err := p.room.engine.api.NewPeerConnection(webrtc.Configuration{
		BundlePolicy:  webrtc.BundlePolicyMaxBundle,
		RTCPMuxPolicy: webrtc.RTCPMuxPolicyRequire,
	})
	if err != nil {
		return nil, fmt.Errorf("new publisher peer connection: %w", err)
	}
	c := &publisherConn{p: p, pc: pc, candidates: remoteCandidates{which: "publisher"}}
	pc.OnTrack(p.onTrack)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		p.log.Debug("publisher connection state", "state", s.String())
		if s == webrtc.PeerConnectionStateFailed {
			p.closeAsync(vocab.ReasonTransportFailure)
		}
	})
	return c, nil
}

// handleOffer applies a client offer (the first one, a renegotiation or an ICE
// restart) and returns the answer.
func (c *publisherConn) handleOffer(offer string) (string, error) {
	if err := checkSDP(offer); err != nil {
		return "", err
	}
	if err := checkOfferCodecs(offer); err != nil {
		return "", err
	}
	if err := preflightOffer(offer); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		c.rollbackOffer(err) // Pion may have moved to have-remote-offer before failing
		return "", fmt.Errorf("%w: publisher offer: %w", ErrInvalidSDP, err)
	}
	c.candidates.remoteSet(c.pc, c.p.log)
	answer, err := c.pc.CreateAnswer(nil)
	if err != nil {
		c.rollbackOffer(err)
		return "", fmt.Errorf("%w: no answer to the publisher offer: %w", ErrInvalidSDP, err)
	}
	gathered := webrtc.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(answer); err != nil {
		c.rollbackOffer(err)
		return "", fmt.Errorf("%w: publisher answer not applicable: %w", ErrInvalidSDP, err)
	}
	select {
	case <-gathered:
	case <-time.After(gatherTimeout):
		c.p.log.Warn("publisher candidate gathering slow; answering with what was gathered")
	}
	return c.pc.LocalDescription().SDP, nil
}

func (c *publisherConn) addCandidate(cand webrtc.ICECandidateInit) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.candidates.add(c.pc, cand)
}

// sendPLI asks the publisher for a key frame of one stream. It is called on
// media goroutines (a layer's reader, a subscriber's RTCP reader) and the
// allocator's, and over ICE-TCP a publisher that does not read its socket
// blocks writes (Engine.openTCP): the write goes on a goroutine of its own.
// Beyond maxPLIWrites waiting, a request is dropped; the forwarder asks again
// (forward: at most every 500 ms per layer) while it waits for the key frame.
func (c *publisherConn) sendPLI(ssrc uint32) {
	c.p.room.engine.stats.plisSent.Add(1)
	c.pliMu.Lock()
	defer c.pliMu.Unlock()
	if c.pliClosed || c.pliWrites >= maxPLIWrites {
		return
	}
	c.pliWrites++
	c.pliWG.Add(1)
	go func() {
		defer c.pliWG.Done()
		if err := c.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}); err != nil &&
			!errors.Is(err, webrtc.ErrConnectionClosed) {
			c.p.log.Debug("send PLI", "err", err)
		}
		c.pliMu.Lock()
		c.pliWrites--
		c.pliMu.Unlock()
	}()
}

// close closes the connection and waits for Pion's goroutines and the PLI
// writes (closing the connection ends a write blocked in it).
func (c *publisherConn) close() error {
	err := c.pc.GracefulClose()
	c.pliMu.Lock()
	c.pliClosed = true
	c.pliMu.Unlock()
	c.pliWG.Wait()
	return err
}

// checkSDP refuses what does not parse as SDP, with the parser's reason.
func checkSDP(s string) error {
	if s == "" {
		return fmt.Errorf("%w: empty", ErrInvalidSDP)
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(s); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	return nil
}

// HandleOffer applies an offer for the publisher connection (the first, a
// renegotiation or an ICE restart) and returns the answer. The answer already
// holds the server's candidates; no publisher candidate is trickled.
func (p *Participant) HandleOffer(offerSDP string) (answerSDP string, err error) {
	if p.isClosed() {
		return "", ErrParticipantClosed
	}
	return p.pub.handleOffer(offerSDP)
}

// HandleAnswer applies the client's answer to the last SubscriberOffer.
func (p *Participant) HandleAnswer(answerSDP string) error {
	if p.isClosed() {
		return ErrParticipantClosed
	}
	return p.sub.handleAnswer(answerSDP)
}

// AddICECandidate adds a candidate the client trickled for one of the two
// connections; candidates arriving before the remote description are queued.
func (p *Participant) AddICECandidate(c ICECandidate) error {
	if p.isClosed() {
		return ErrParticipantClosed
	}
	if c.Candidate.Candidate == "" {
		return nil // end of candidates
	}
	switch c.Target {
	case vocab.TargetPublisher:
		return p.pub.addCandidate(c.Candidate)
	case vocab.TargetSubscriber:
		return p.sub.addCandidate(c.Candidate)
	}
	return fmt.Errorf("%w: candidate target %q", ErrInvalidArgument, c.Target)
}

func (p *Participant) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}
