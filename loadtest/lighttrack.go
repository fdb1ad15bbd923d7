package loadtest

import (
	"strings"

	"github.com/pion/dtls/v3"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// lightSettings adjusts a light subscriber's SettingEngine: its sockets are n's;
// OnTrack fires when a track is announced, not on its first packet (Pion never
// sees one: the light receiver takes them all); and SRTP is offered with AES-GCM
// only, whose 16-byte tag makes the payload size known without decrypting.
func lightSettings(n *lightNet) func(*webrtc.SettingEngine) {
	return func(se *webrtc.SettingEngine) {
		se.SetNet(n)
		se.SetFireOnTrackBeforeFirstRTP(true)
		se.SetSRTPProtectionProfiles(dtls.SRTP_AEAD_AES_128_GCM)
	}
}

// watchLight starts measuring a track of a light subscriber. The track's codec is
// not known yet (Pion sets it from the first packet, which it never gets), so the
// clock rate comes from the receiver's negotiated codecs.
func (p *participant) watchLight(t *client.RemoteTrack) {
	video := t.Kind() == vocab.KindVideo
	stats := NewStreamStats(video, mediaClockRate(t.Receiver.GetParameters().Codecs))
	p.mu.Lock()
	p.streams[t.TrackSID] = stats
	p.mu.Unlock()
	p.recv.add(&lightStream{
		ssrc:      uint32(t.Track.SSRC()),
		captureID: receiverExtensionID(t.Receiver, AbsCaptureTimeURI),
		video:     video,
		stats:     stats,
	}, receiverExtensionID(t.Receiver, sdp.TransportCCURI))
}

// mediaClockRate is the clock rate of the first media codec (not RTX, RED, FEC or
// telephone-event); every codec of one track shares it in practice.
func mediaClockRate(codecs []webrtc.RTPCodecParameters) uint32 {
	for _, c := range codecs {
		switch strings.ToLower(c.MimeType) {
		case strings.ToLower(webrtc.MimeTypeRTX), strings.ToLower(client.MimeTypeRED),
			strings.ToLower(webrtc.MimeTypeUlpFEC), strings.ToLower(webrtc.MimeTypeFlexFEC),
			strings.ToLower(client.MimeTypeTelephoneEvent):
			continue
		}
		return c.ClockRate
	}
	return 0
}
