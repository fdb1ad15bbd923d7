package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// A subscriber picks the simulcast layer it wants: the keyframes it receives then
// have that layer's size, and sequence numbers run on across the switches.
func TestSubscriberChoosesSimulcastLayer(t *testing.T) {
	ctx := testCtx(t, 20*time.Second)
	srv := servertestStart(t)
	alice := join(t, ctx, srv, "simulcast", "alice")
	bob := join(t, ctx, srv, "simulcast", "bob")
	video, _ := publishAV(t, ctx, alice)
	bob.waitMedia(ctx, alice, 2, 10)

	for _, want := range []struct {
		q     vocab.Quality
		width int
	}{{vocab.QualityLow, 320}, {vocab.QualityHigh, 1280}, {vocab.QualityMedium, 640}} {
		bob.mu.Lock()
		seen := len(bob.tracks[video.SID()].keyWidths)
		bob.mu.Unlock()
		if err := bob.UpdateSubscription(ctx, video.SID(), client.SubscriptionSettings{Quality: &want.q}); err != nil {
			t.Fatalf("quality %s: %v", want.q, err)
		}
		bob.waitFor(ctx, fmt.Sprintf("a %d-wide keyframe after asking for %s", want.width, want.q), func() bool {
			for _, w := range bob.tracks[video.SID()].keyWidths[seen:] {
				if w == want.width {
					return true
				}
			}
			return false
		})
	}
	bob.mu.Lock()
	defer bob.mu.Unlock()
	if st := bob.tracks[video.SID()]; st.jumps != 0 {
		t.Errorf("sequence numbers jumped %d times across layer switches", st.jumps)
	}
}

// An H.264 track (Annex-B clip) is published and received like VP8.
func TestH264TrackIsForwarded(t *testing.T) {
	ctx := testCtx(t, 15*time.Second)
	srv := servertestStart(t)
	alice := join(t, ctx, srv, "h264", "alice")
	bob := join(t, ctx, srv, "h264", "bob")
	c, err := clip.ParseH264(clips.H264, clips.H264FrameRate)
	if err != nil {
		t.Fatal(err)
	}
	track, err := alice.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceScreenShare, MimeType: c.MimeType, Width: 640, Height: 360})
	if err != nil {
		t.Fatal(err)
	}
	play(t, track, c)
	bob.waitMedia(ctx, alice, 1, 60)
	rt, ok := bob.RemoteTrack(track.SID())
	if !ok {
		t.Fatal("bob has no remote track for the H.264 track")
	}
	if got := rt.Track.Codec().MimeType; got != c.MimeType {
		t.Errorf("received codec %s, want %s", got, c.MimeType)
	}
}
