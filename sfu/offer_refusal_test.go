package sfu

import (
	"errors"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// A publisher offer that is parsable but unusable (no media section at all) is
// refused before it touches the connection: the next, valid offer publishes.
func TestRefusedOfferRollsBack(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("rollback")
	a := joinClient(t, room, "alice")
	b := joinClient(t, room, "bob")
	_, err := a.p.HandleOffer(validButUnrelatedSDP)
	if !errors.Is(err, ErrInvalidSDP) {
		t.Fatalf("offer without media: %v, want ErrInvalidSDP", err)
	}
	a.publish("mic", vocab.KindAudio)
	a.negotiatePublisher(false)
	b.waitPackets(a.p.SID(), 1, 20)
}

// An offer whose only video codec the server does not take (H.265) is refused
// with an error naming the codec, instead of an answer that rejects the section
// silently; the connection is left as it was and a valid offer publishes.
func TestOfferWithOnlyUnsupportedCodecIsRefused(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("h265")
	a := joinClient(t, room, "alice")
	b := joinClient(t, room, "bob")

	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH265, ClockRate: 90000},
		PayloadType:        100,
	}, webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH265}, "cam", "s")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTrack(track); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.p.HandleOffer(offer.SDP)
	if !errors.Is(err, ErrInvalidSDP) || !strings.Contains(strings.ToLower(err.Error()), "h265") {
		t.Fatalf("H.265-only offer: %v, want ErrInvalidSDP naming H265", err)
	}
	a.publish("mic", vocab.KindAudio)
	a.negotiatePublisher(false)
	b.waitPackets(a.p.SID(), 1, 20)
}

// An audio section listing a payload type with no a=rtpmap (found by FuzzHandleOffer)
// is refused before Pion takes the offer: Pion accepted it into have-remote-offer,
// failed on it later and could not roll back, which ended the session.
func TestOfferListingAnUnmappedPayloadTypeIsRefused(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("unmapped")
	a := joinClient(t, room, "alice")
	b := joinClient(t, room, "bob")
	offer := "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111 11\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n" +
		"a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
		"a=fingerprint:sha-256 00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00\r\n" +
		"a=setup:actpass\r\na=rtpmap:111 opus/48000/2\r\n"
	_, err := a.p.HandleOffer(offer)
	if !errors.Is(err, ErrInvalidSDP) || !strings.Contains(err.Error(), `payload type "11"`) {
		t.Fatalf("offer listing payload type 11 without rtpmap: %v, want ErrInvalidSDP naming it", err)
	}
	a.publish("mic", vocab.KindAudio)
	a.negotiatePublisher(false)
	b.waitPackets(a.p.SID(), 1, 20)
}
