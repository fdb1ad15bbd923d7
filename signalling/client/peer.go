package client

import (
	"context"
	"fmt"
	"net"
	"net/url"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// absCaptureTimeURI names the abs-capture-time header extension: registered so that a
// sender's capture timestamps reach this client through the SFU.
const absCaptureTimeURI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"

func newMediaEngine(codecs []codec) (*webrtc.MediaEngine, error) {
	m := &webrtc.MediaEngine{}
	for _, c := range codecs {
		if err := m.RegisterCodec(c.RTPCodecParameters, c.kind); err != nil {
			return nil, fmt.Errorf("client: register %s: %w", c.MimeType, err)
		}
	}
	exts := []struct {
		uri   string
		kinds []webrtc.RTPCodecType
	}{
		{sdp.SDESMidURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo}},
		{sdp.SDESRTPStreamIDURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}},
		{sdp.SDESRepairRTPStreamIDURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}},
		{sdp.AudioLevelURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio}},
		{sdp.ABSSendTimeURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo}},
		{absCaptureTimeURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo}},
	}
	for _, e := range exts {
		for _, k := range e.kinds {
			if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: e.uri}, k); err != nil {
				return nil, fmt.Errorf("client: register header extension %s: %w", e.uri, err)
			}
		}
	}
	return m, nil
}

// newAPI builds a Pion API: codecs, the default interceptors (NACK generator and
// responder, RTCP reports, TWCC), and the setting engine.
func (c *Client) newAPI(serverURL string, ids *streamIDs) (*webrtc.API, error) {
	m, err := newMediaEngine(c.codecs)
	if err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	if ids != nil {
		reg.Add(ids)
	}
	defaults := reg
	if c.opts.noDefaults {
		defaults = &interceptor.Registry{} // the media engine still learns what they negotiate
	}
	if err := webrtc.RegisterDefaultInterceptors(m, defaults); err != nil {
		return nil, fmt.Errorf("client: interceptors: %w", err)
	}
	for _, f := range c.opts.interceptors {
		reg.Add(f)
	}
	var se webrtc.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// Pion's default is UDP alone. With TCP too, a server's passive ICE-TCP candidate
	// gets an active one from the client: on a network that drops UDP, the media goes
	// over ICE-TCP, and over TURN/TLS when that port is closed as well.
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6,
		webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6})
	if u, err := url.Parse(serverURL); err == nil {
		if ip := net.ParseIP(u.Hostname()); (ip != nil && ip.IsLoopback()) || u.Hostname() == "localhost" {
			// A server on this machine: use loopback candidates only (fast, and no
			// dependence on the machine's other interfaces).
			se.SetIncludeLoopbackCandidate(true)
			se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
			se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		}
	}
	if c.opts.net != nil {
		se.SetNet(c.opts.net)
	} else {
		n, err := newBoundedDialNet()
		if err != nil {
			return nil, err
		}
		se.SetNet(n)
	}
	if c.opts.settings != nil {
		c.opts.settings(&se)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}

// newPeerConnections makes the publisher and subscriber connections for the
// session that jr starts (a join, or a rejoin on another node: the old ones are
// closed by then).
func (c *Client) newPeerConnections(serverURL string, jr protocol.JoinResponse) error {
	cfg := webrtc.Configuration{SDPSemantics: webrtc.SDPSemanticsUnifiedPlan, RTPHeaderEncryptionPolicy: c.opts.headerCrypto}
	for _, s := range jr.ICEServers {
		cfg.ICEServers = append(cfg.ICEServers, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	// Each connection gets its own API: interceptors keep per-connection state.
	ids := newStreamIDs()
	pubAPI, err := c.newAPI(serverURL, ids)
	if err != nil {
		return err
	}
	subAPI, err := c.newAPI(serverURL, nil)
	if err != nil {
		return err
	}
	pub, err := pubAPI.NewPeerConnection(cfg)
	if err != nil {
		return fmt.Errorf("client: publisher connection: %w", err)
	}
	sub, err := subAPI.NewPeerConnection(cfg)
	if err != nil {
		_ = pub.Close()
		return fmt.Errorf("client: subscriber connection: %w", err)
	}
	pub.OnICECandidate(func(cand *webrtc.ICECandidate) { c.trickle(vocab.TargetPublisher, cand) })
	sub.OnICECandidate(func(cand *webrtc.ICECandidate) { c.trickle(vocab.TargetSubscriber, cand) })
	sub.OnTrack(c.onTrack)
	pub.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		c.log.Debug("publisher ICE", "state", s.String())
		if s == webrtc.ICEConnectionStateFailed {
			// The media path died while signalling lives (or before a resume noticed):
			// try new candidates. The server restarts the subscriber side itself.
			c.goTracked(c.restartPublisherICE)
		}
	})
	sub.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		c.log.Debug("subscriber ICE", "state", s.String())
	})
	c.mu.Lock()
	c.pub, c.sub, c.streamIDs = pub, sub, ids
	c.remoteCandidates = map[vocab.Target][]webrtc.ICECandidateInit{}
	c.remoteReady = map[vocab.Target]bool{}
	c.mu.Unlock()
	return nil
}

// pubPC and subPC are the current connections (a rejoin replaces them).
func (c *Client) pubPC() *webrtc.PeerConnection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pub
}

func (c *Client) subPC() *webrtc.PeerConnection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sub
}

// trickle sends a local candidate. Candidates found while disconnected are lost on
// purpose: the resume restarts ICE and gathers again.
func (c *Client) trickle(target vocab.Target, cand *webrtc.ICECandidate) {
	if cand == nil {
		return
	}
	err := c.send(c.ctx, protocol.TypeTrickle, 0, protocol.TrickleMessage{Target: target, Candidate: cand.ToJSON()})
	if err != nil {
		c.log.Debug("candidate not sent", "target", target, "err", err)
	}
}

func (c *Client) pc(target vocab.Target) *webrtc.PeerConnection {
	if target == vocab.TargetPublisher {
		return c.pubPC()
	}
	return c.subPC()
}

// addRemoteCandidate adds a server candidate, or keeps it until the connection has
// a remote description.
func (c *Client) addRemoteCandidate(target vocab.Target, cand webrtc.ICECandidateInit) {
	c.log.Debug("server candidate", "target", target, "candidate", cand.Candidate)
	c.mu.Lock()
	if !c.remoteReady[target] {
		c.remoteCandidates[target] = append(c.remoteCandidates[target], cand)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	if err := c.pc(target).AddICECandidate(cand); err != nil {
		c.log.Warn("server candidate refused", "target", target, "err", err)
	}
}

// flushCandidates adds the candidates kept for target; from now on candidates are
// added as they come (its remote description is set).
func (c *Client) flushCandidates(target vocab.Target) {
	c.mu.Lock()
	c.remoteReady[target] = true
	cands := c.remoteCandidates[target]
	delete(c.remoteCandidates, target)
	c.mu.Unlock()
	for _, cand := range cands {
		if err := c.pc(target).AddICECandidate(cand); err != nil {
			c.log.Warn("server candidate refused", "target", target, "err", err)
		}
	}
}

// handleSubscriberOffer answers the server's offer for the subscriber connection.
// It runs on the session goroutine, so offers are answered in order.
func (c *Client) handleSubscriberOffer(m protocol.SDPMessage) {
	err := func() error {
		if err := c.subPC().SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP}); err != nil {
			return fmt.Errorf("set remote offer: %w", err)
		}
		c.flushCandidates(vocab.TargetSubscriber)
		answer, err := c.subPC().CreateAnswer(nil)
		if err != nil {
			return fmt.Errorf("create answer: %w", err)
		}
		if err := c.subPC().SetLocalDescription(answer); err != nil {
			return fmt.Errorf("set local answer: %w", err)
		}
		// Not a request: the server acks it, and nobody waits for the ack.
		return c.send(c.ctx, protocol.TypeAnswer, 0, protocol.SDPMessage{SDP: answer.SDP})
	}()
	if err != nil {
		c.log.Warn("subscriber negotiation failed", "ice_restart", m.ICERestart, "err", err)
	}
}

// negotiatePublisher sends a publisher offer and applies the answer. Offers are
// serialised; iceRestart asks for new ICE credentials (after a resume).
func (c *Client) negotiatePublisher(ctx context.Context, iceRestart bool) error {
	c.negotiating.Lock()
	defer c.negotiating.Unlock()
	c.mu.Lock()
	pub, ids := c.pub, c.streamIDs
	c.mu.Unlock()
	if len(pub.GetTransceivers()) == 0 {
		return nil // nothing to publish yet: no connection needed
	}
	offer, err := pub.CreateOffer(&webrtc.OfferOptions{ICERestart: iceRestart})
	if err != nil {
		return fmt.Errorf("client: create offer: %w", err)
	}
	if err := pub.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("client: set local offer: %w", err)
	}
	ids.learn(pub)
	msg, err := c.request(ctx, protocol.TypeOffer, protocol.SDPMessage{SDP: offer.SDP})
	if err != nil {
		// Leave the connection ready for the next attempt.
		if rbErr := pub.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback}); rbErr != nil {
			c.log.Debug("rollback publisher offer", "err", rbErr)
		}
		return err
	}
	answer, ok := msg.Body.(protocol.SDPMessage)
	if !ok || msg.Type != protocol.TypeAnswer {
		return fmt.Errorf("%w: offer answered with %q", ErrUnexpectedMessage, msg.Type)
	}
	if err := pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer.SDP}); err != nil {
		return fmt.Errorf("client: set remote answer: %w", err)
	}
	c.flushCandidates(vocab.TargetPublisher)
	return nil
}
