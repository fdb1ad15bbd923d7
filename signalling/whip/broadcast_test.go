package whip_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Broadcast: one encoder publishes simulcast by WHIP and many viewers (hidden,
// as a large audience would be) receive its video and audio.
func TestWHIPBroadcastToManyViewers(t *testing.T) {
	const viewers = 8
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := start(t)
	enc := newPeer(t)
	enc.sendClip(webrtc.RTPCodecTypeAudio, parseClip(t, clip.ParseOgg, clips.Opus))
	enc.sendClip(webrtc.RTPCodecTypeVideo,
		parseClip(t, clip.ParseIVF, clips.VP8Low), parseClip(t, clip.ParseIVF, clips.VP8Medium), parseClip(t, clip.ParseIVF, clips.VP8High))
	enc.post(srv.URL+"/whip/town-hall", ingressToken(srv, "town-hall", "presenter"))
	var k counter
	for i := range viewers {
		v := joinViewer(t, ctx, srv.URL, srv.Token("town-hall", fmt.Sprintf("viewer-%d", i), "join", "subscribe", "hidden"))
		k.receivedFrom(t, v, vocab.KindVideo, 30)
		k.receivedFrom(t, v, vocab.KindAudio, 30)
	}
}
