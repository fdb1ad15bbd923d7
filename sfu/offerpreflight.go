package sfu

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net"
	"sync"

	"github.com/pion/webrtc/v4"
)

// preflight is what tries an offer on a throwaway connection: an API with Pion's
// default codecs and one certificate, made once (a certificate per try would cost
// a key generation).
var preflight = sync.OnceValues(func() (*preflightAPI, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, fmt.Errorf("preflight codecs: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("preflight key: %w", err)
	}
	cert, err := webrtc.GenerateCertificate(key)
	if err != nil {
		return nil, fmt.Errorf("preflight certificate: %w", err)
	}
	// No interface is used: the answer is made without candidates, no socket opens.
	var se webrtc.SettingEngine
	se.SetIPFilter(func(net.IP) bool { return false })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return &preflightAPI{api: webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)), cert: *cert}, nil
})

type preflightAPI struct {
	api  *webrtc.API
	cert webrtc.Certificate
}

// preflightOffer applies offer as the remote description of a throwaway connection,
// and an answer to it as its local description.
// Pion moves a connection to have-remote-offer before some of its checks and has no
// rollback from there (see rollbackOffer): an offer it refuses that late would end
// the session of the client who sent it (publisher offers, and the subscriber offers of
// clients that offer). Refused here, it is only refused. The
// throwaway connection has no interface to gather on and never connects.
func preflightOffer(offer string) error {
	p, err := preflight()
	if err != nil {
		return err
	}
	pc, err := p.api.NewPeerConnection(webrtc.Configuration{Certificates: []webrtc.Certificate{p.cert}})
	if err != nil {
		return fmt.Errorf("preflight connection: %w", err)
	}
	defer func() { _ = pc.Close() }()
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("%w: no answer: %w", ErrInvalidSDP, err)
	}
	if err := pc.SetLocalDescription(answer); err != nil {
		return fmt.Errorf("%w: answer not applicable: %w", ErrInvalidSDP, err)
	}
	return nil
}
