package sfu

import (
	"net"
	"sync/atomic"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/internal/levelstamp"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// newSpeakingClientAPI is newClientAPI plus the audio level extension, stamped with
// the level the test sets.
func newSpeakingClientAPI(t *testing.T, level *atomic.Uint32) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		t.Fatal(err)
	}
	reg.Add(levelstamp.Stamper{Level: level})
	var s webrtc.SettingEngine
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetIncludeLoopbackCandidate(true)
	s.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	s.SetICEMulticastDNSMode(0)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(s), webrtc.WithInterceptorRegistry(reg))
}

// Audio levels carried in real RTP (RFC 6464) make the room announce the speaker, and
// silence takes them off the list again.
func TestActiveSpeakersFromRTPAudioLevels(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("speakers-rtp")
	var aliceLevel, bobLevel atomic.Uint32
	aliceLevel.Store(127) // silent until she speaks
	bobLevel.Store(127)
	alice := joinClientAPI(t, room, "alice", newSpeakingClientAPI(t, &aliceLevel))
	bob := joinClientAPI(t, room, "bob", newSpeakingClientAPI(t, &bobLevel))
	alice.publish("alice-mic", vocab.KindAudio)
	alice.negotiatePublisher(false)
	bob.publish("bob-mic", vocab.KindAudio)
	bob.negotiatePublisher(false)

	aliceLevel.Store(20) // -20 dBov: talking
	bob.waitEvent("alice announced as the active speaker", isEvent(func(s ActiveSpeakers) bool {
		return len(s.Speakers) > 0 && s.Speakers[0].ParticipantSID == alice.p.SID() && s.Speakers[0].Level > 0
	}))

	aliceLevel.Store(127)
	bobLevel.Store(10)
	alice.waitEvent("bob becomes the loudest once alice is silent", isEvent(func(s ActiveSpeakers) bool {
		return len(s.Speakers) > 0 && s.Speakers[0].ParticipantSID == bob.p.SID()
	}))
}
