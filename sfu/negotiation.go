package sfu

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/srtpout"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// subscriberConn is the connection carrying media to the participant. The
// server offers. Negotiation is serialized: while an offer waits for its answer,
// changes (added and removed tracks) are queued; after the answer they are
// applied together and offered once more. Re-offers also wait until the
// connection has connected once: a client still running its DTLS handshake when
// a re-offer arrives may apply it and never start the new receivers (aiortc
// does), and the server must not depend on how fast a client gets there. The
// changes of that wait go out together in one offer.
type subscriberConn struct {
	p  *Participant
	pc *webrtc.PeerConnection

	mu          sync.Mutex
	started     bool // the first offer went out
	offering    bool // an offer waits for its answer
	renegotiate bool // something changed since the outstanding offer
	iceRestart  bool // the next offer restarts ICE
	connected   bool // the connection reached connected once (ICE and DTLS done)
	closed      bool
	pending     []pendingChange
	candidates  remoteCandidates

	// Local candidates wait while an offer is being made, so that the client
	// never gets a candidate before the offer it belongs to.
	link *linkEstimator // bandwidth estimation from the subscriber's feedback; nil if none
	// out is the connection's own write path (writepathown.go); nil: media
	// go through Pion. outMu orders its switches; dtlsUp: DTLS connected.
	out        *srtpout.Conn
	outMu      sync.Mutex
	dtlsUp     bool
	outRefused bool // the path could not be enabled (logged once)
	// queueWrites: ICE selected a pair whose writes can block (TCP); set
	// once, read with p.mu held when a DownTrack is made (stall.go).
	queueWrites atomic.Bool

	candMu  sync.Mutex
	holding bool
	held    []webrtc.ICECandidateInit
}

type pendingChange struct {
	apply func(*webrtc.PeerConnection)
	drop  func() // called instead of apply when the connection closes first
}

func newSubscriberConn(p *Participant) (*subscriberConn, error) {
	e := p.room.engine
	var keys *srtpout.Keys
	if e.ownWritePath() {
		keys = &srtpout.Keys{}
	}
	pc, err := e.sub.api(keys).NewPeerConnection(webrtc.Configuration{
		BundlePolicy:  webrtc.BundlePolicyMaxBundle,
		RTCPMuxPolicy: webrtc.RTCPMuxPolicyRequire,
	})
	if err != nil {
		return nil, fmt.Errorf("new subscriber peer connection: %w", err)
	}
	parts := e.bwe.take(pc.ID())
	c := &subscriberConn{p: p, pc: pc, link: parts.link, candidates: remoteCandidates{which: "subscriber"}}
	if keys != nil {
		c.out = e.newOwnWritePath(keys, parts)
	}
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand == nil {
			return
		}
		init := cand.ToJSON()
		c.candMu.Lock()
		defer c.candMu.Unlock()
		if c.holding {
			c.held = append(c.held, init)
			return
		}
		p.send(ICECandidateEvent{ICECandidate{Target: vocab.TargetSubscriber, Candidate: init}})
	})
	c.watchTransport()
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		p.log.Debug("subscriber connection state", "state", s.String())
		switch s {
		case webrtc.PeerConnectionStateConnected:
			c.dtlsConnected()
			c.onConnected()
		case webrtc.PeerConnectionStateFailed:
			p.closeAsync(vocab.ReasonTransportFailure)
		}
	})
	return c, nil
}

// onConnected sends the re-offer held while the connection was being set up.
func (c *subscriberConn) onConnected() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.connected {
		return
	}
	c.connected = true
	if c.closed || c.offering || !c.started {
		return
	}
	if c.renegotiate || c.iceRestart {
		c.offerLocked()
	}
}

// mayReofferLocked says whether a re-offer may go out now: not before the first
// answer, and not before the connection has connected once (an ICE restart,
// which repairs a connection, goes out regardless).
func (c *subscriberConn) mayReofferLocked() bool {
	return c.started && !c.offering && (c.connected || c.iceRestart)
}

// start sends the first offer. It carries a data channel so that ICE and DTLS
// connect even when there is no track to receive yet.
func (c *subscriberConn) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.started {
		return
	}
	if _, err := c.pc.CreateDataChannel("ensemble", nil); err != nil {
		c.p.log.Warn("subscriber data channel", "err", err)
	}
	c.started = true
	c.offerLocked()
}

// change applies a change to the connection now, or after the outstanding
// answer, and (re)negotiates.
func (c *subscriberConn) change(apply func(*webrtc.PeerConnection), drop ...func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		for _, d := range drop {
			d()
		}
		return
	}
	if c.offering {
		pc := pendingChange{apply: apply}
		if len(drop) > 0 {
			pc.drop = drop[0]
		}
		c.pending = append(c.pending, pc)
		c.renegotiate = true
		return
	}
	apply(c.pc)
	if !c.started {
		return // the first offer carries it
	}
	if !c.mayReofferLocked() {
		c.renegotiate = true // offered once connected (onConnected)
		return
	}
	c.offerLocked()
}

// offerLocked creates and sends an offer unless one is outstanding.
func (c *subscriberConn) offerLocked() {
	if c.offering {
		c.renegotiate = true
		return
	}
	restart := c.iceRestart
	// Candidates are held from before CreateOffer: with ICERestart, Pion restarts
	// the gatherer there, and a candidate of the new ICE session that reached the
	// client before the offer would be dropped for its unknown ufrag.
	c.candMu.Lock()
	c.holding = true
	c.candMu.Unlock()
	offer, err := c.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: restart})
	if err != nil {
		c.releaseCandidates(true)
		c.p.log.Warn("create subscriber offer", "err", err)
		return
	}
	if err := c.pc.SetLocalDescription(offer); err != nil {
		c.releaseCandidates(false)
		c.p.log.Warn("set subscriber offer", "err", err)
		return
	}
	c.iceRestart = false
	c.offering = true
	c.renegotiate = false
	c.p.send(SubscriberOffer{SDP: offer.SDP, ICERestart: restart})
	c.releaseCandidates(true)
}

// releaseCandidates stops holding local candidates and sends the held ones.
func (c *subscriberConn) releaseCandidates(send bool) {
	c.candMu.Lock()
	defer c.candMu.Unlock()
	c.holding = false
	held := c.held
	c.held = nil
	if !send {
		return
	}
	for _, cand := range held {
		c.p.send(ICECandidateEvent{ICECandidate{Target: vocab.TargetSubscriber, Candidate: cand}})
	}
}

// handleAnswer applies the client's answer, then the changes queued meanwhile.
func (c *subscriberConn) handleAnswer(answer string) error {
	if err := checkSDP(answer); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.offering {
		return ErrNoOfferOutstanding
	}
	if offer := c.pc.PendingLocalDescription(); offer != nil {
		if err := checkAnswerMatchesOffer(answer, offer.SDP); err != nil {
			return err
		}
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		return fmt.Errorf("%w: subscriber answer: %w", ErrInvalidSDP, err)
	}
	c.offering = false
	c.candidates.remoteSet(c.pc, c.p.log)
	c.applyPendingLocked()
	if (c.renegotiate || c.iceRestart) && c.mayReofferLocked() {
		c.offerLocked()
	}
	return nil
}

func (c *subscriberConn) applyPendingLocked() {
	pending := c.pending
	c.pending = nil
	for _, ch := range pending {
		ch.apply(c.pc)
	}
}

// restartICE sends an offer with ICE restart (a resumed session). When an
// offer still waits for its answer, the new client may never have seen it: it
// is sent again as is, and the restart offer follows its answer.
func (c *subscriberConn) restartICE() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrParticipantClosed
	}
	c.iceRestart = true
	if !c.started {
		return nil // the first offer is yet to come and restarts nothing
	}
	if c.offering {
		if d := c.pc.PendingLocalDescription(); d != nil {
			c.p.send(SubscriberOffer{SDP: d.SDP})
		}
		return nil
	}
	c.offerLocked()
	return nil
}

func (c *subscriberConn) addCandidate(cand webrtc.ICECandidateInit) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.candidates.add(c.pc, cand)
}

// close closes the connection, waits for Pion's goroutines and drops the
// changes that were still waiting.
func (c *subscriberConn) close() error {
	c.mu.Lock()
	c.closed = true
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	if c.out != nil {
		c.out.Close()
		c.p.room.engine.stats.retireOwnPath(c.out)
	}
	err := c.pc.GracefulClose()
	for _, ch := range pending {
		if ch.drop != nil {
			ch.drop()
		}
	}
	return err
}
