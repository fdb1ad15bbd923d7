package e2e

import (
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Mute, unmute and unpublish reach the others: as events, in their view of the
// room, and on the media (an unpublished track's RTP ends).
func TestMuteUnmuteUnpublishPropagate(t *testing.T) {
	ctx := testCtx(t, 20*time.Second)
	srv := servertestStart(t)
	alice := join(t, ctx, srv, "tracks", "alice")
	bob := join(t, ctx, srv, "tracks", "bob")
	carol := join(t, ctx, srv, "tracks", "carol")
	video, audio := publishAV(t, ctx, alice)
	for _, p := range []*participant{bob, carol} {
		p.waitMedia(ctx, alice, 2, 30)
	}

	if err := audio.SetMuted(ctx, true); err != nil {
		t.Fatalf("mute: %v", err)
	}
	for _, p := range []*participant{bob, carol} {
		waitEvent(ctx, p, "audio muted", func(e client.TrackMuted) bool { return e.TrackSID == audio.SID() && e.Muted })
		if tr, ok := trackOf(p, alice, audio.SID()); !ok || !tr.Muted {
			t.Errorf("%s's view of alice's audio after mute: %+v (found %v)", p.name, tr, ok)
		}
	}
	if err := audio.SetMuted(ctx, false); err != nil {
		t.Fatalf("unmute: %v", err)
	}
	for _, p := range []*participant{bob, carol} {
		waitEvent(ctx, p, "audio unmuted", func(e client.TrackMuted) bool { return e.TrackSID == audio.SID() && !e.Muted })
		// Media flows again after the unmute.
		p.mu.Lock()
		before := p.tracks[audio.SID()].packets
		p.mu.Unlock()
		p.waitFor(ctx, "audio after unmute", func() bool { return p.tracks[audio.SID()].packets > before+10 })
	}

	if err := video.Unpublish(ctx); err != nil {
		t.Fatalf("unpublish: %v", err)
	}
	for _, p := range []*participant{bob, carol} {
		waitEvent(ctx, p, "video unpublished", func(e client.TrackUnpublished) bool { return e.TrackSID == video.SID() })
		if _, ok := trackOf(p, alice, video.SID()); ok {
			t.Errorf("%s still lists alice's unpublished video", p.name)
		}
		if _, ok := trackOf(p, alice, audio.SID()); !ok {
			t.Errorf("%s lost alice's audio when her video was unpublished", p.name)
		}
	}
	select {
	case <-video.Done():
	default:
		t.Error("the unpublished track is not done")
	}
}

// trackOf finds publisher's track in p's view of the room.
func trackOf(p *participant, publisher *participant, trackSID string) (vocab.TrackInfo, bool) {
	o, found := p.Other(publisher.name)
	if !found {
		return vocab.TrackInfo{}, false
	}
	for _, tr := range o.Tracks {
		if tr.SID == trackSID {
			return tr, true
		}
	}
	return vocab.TrackInfo{}, false
}
