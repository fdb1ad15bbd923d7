package client_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
	"github.com/pion/webrtc/v4"
)

// The server offers RFC 9335 header-extension encryption (cryptex); a client with
// RTPHeaderEncryptionPolicyDisable declines it in its answer, and still receives.
func TestHeaderEncryptionPolicyDisableDeclinesCryptex(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pub, sub := pairWith(t, ctx, "cryptex", nil,
		[]client.Option{client.WithRTPHeaderEncryptionPolicy(webrtc.RTPHeaderEncryptionPolicyDisable)})
	video, err := clip.ParseIVF(clips.VP8Low)
	if err != nil {
		t.Fatal(err)
	}
	track, err := pub.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera, Name: "camera"})
	if err != nil {
		t.Fatal(err)
	}
	play(t, ctx, track, video)
	rt := subscribed(t, sub, track.SID())
	if _, err := rt.ReadPacket(); err != nil {
		t.Fatalf("no packet received: %v", err)
	}
	pc := client.SubscriberPCForTest(sub)
	offer, answer := pc.CurrentRemoteDescription(), pc.CurrentLocalDescription()
	if offer == nil || answer == nil {
		t.Fatal("subscriber connection not negotiated")
	}
	if !strings.Contains(offer.SDP, "a=cryptex") {
		t.Fatalf("the server's offer has no a=cryptex; nothing to decline:\n%s", offer.SDP)
	}
	if strings.Contains(answer.SDP, "a=cryptex") {
		t.Errorf("the answer accepts cryptex despite the disable policy:\n%s", answer.SDP)
	}
}
