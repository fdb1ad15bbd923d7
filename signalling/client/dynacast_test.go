package client_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// The Go client obeys dynacast: the high layer nobody receives is turned off
// (its writes dropped) and on again when a subscriber asks for it; the
// subscriber is told which layer it gets and why.
func TestClientObeysPublisherLayers(t *testing.T) {
	srv := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pub, err := client.Join(ctx, srv.URL, srv.Token("dyn", "pub"))
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	sub, err := client.Join(ctx, srv.URL, srv.Token("dyn", "sub"))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	var layers []*clip.Clip
	opts := client.TrackOptions{Source: vocab.SourceCamera}
	for i, data := range clips.VP8Layers() {
		c, err := clip.ParseIVF(data)
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, c)
		opts.Layers = append(opts.Layers, vocab.LayerInfo{Quality: []vocab.Quality{vocab.QualityLow, vocab.QualityMedium, vocab.QualityHigh}[i],
			Width: c.Width, Height: c.Height})
		opts.Width, opts.Height = c.Width, c.Height
	}
	track, err := pub.PublishTrack(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	playCtx, stopPlay := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = clienttest.PlayClip(playCtx, track, layers...) }()
	defer func() { stopPlay(); wg.Wait() }()

	sid := track.SID()
	waitEvent(t, sub, "the track", func(ev client.TrackSubscribed) bool {
		ev.Track.Discard()
		return ev.Track.TrackSID == sid
	})
	waitEvent(t, sub, "high layer", func(ev client.SubscriptionLayer) bool { return ev.TrackSID == sid && ev.Quality == vocab.QualityHigh })

	if err := sub.UpdateSubscription(ctx, sid, client.SubscriptionSettings{Quality: new(vocab.QualityLow)}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, sub, "low layer, as requested", func(ev client.SubscriptionLayer) bool {
		return ev.TrackSID == sid && ev.Quality == vocab.QualityLow && ev.Reason == vocab.LayerRequested
	})
	waitEvent(t, pub, "high layer off", func(ev client.PublisherLayers) bool {
		return ev.TrackSID == sid && len(ev.Layers) == 3 && !ev.Layers[2].Enabled
	})
	if track.LayerEnabled(2) || !track.LayerEnabled(0) {
		t.Errorf("after publisher_layers: high enabled %v, low enabled %v", track.LayerEnabled(2), track.LayerEnabled(0))
	}

	if err := sub.UpdateSubscription(ctx, sid, client.SubscriptionSettings{Quality: new(vocab.QualityHigh)}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, pub, "high layer on", func(ev client.PublisherLayers) bool {
		return ev.TrackSID == sid && len(ev.Layers) == 3 && ev.Layers[2].Enabled
	})
	if !track.LayerEnabled(2) {
		t.Error("high layer still off after publisher_layers enabled it")
	}
	waitEvent(t, sub, "high layer again", func(ev client.SubscriptionLayer) bool { return ev.TrackSID == sid && ev.Quality == vocab.QualityHigh })
}
