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
	ctx, cancel := context.WithTimeout(context.Background(), 2*rampTimeout)
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
	waitSubscribedAt(t, sub, sid, vocab.QualityHigh)

	if err := sub.UpdateSubscription(ctx, sid, client.SubscriptionSettings{Quality: new(vocab.QualityLow)}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, sub, "low layer, as requested", func(ev client.SubscriptionLayer) bool {
		return ev.TrackSID == sid && ev.Quality == vocab.QualityLow && ev.Reason == vocab.LayerRequested
	})
	waitPublisherLayers(t, pub, track, false)
	if !track.LayerEnabled(0) {
		t.Error("the low layer was turned off too")
	}

	if err := sub.UpdateSubscription(ctx, sid, client.SubscriptionSettings{Quality: new(vocab.QualityHigh)}); err != nil {
		t.Fatal(err)
	}
	waitPublisherLayers(t, pub, track, true)
	waitEventWithin(t, sub, rampTimeout, "high layer again", func(ev client.SubscriptionLayer) bool { return ev.TrackSID == sid && ev.Quality == vocab.QualityHigh })
}

// waitSubscribedAt waits until the track is subscribed and the last layer
// announced for it is of quality q. Both are awaited in one loop: the server
// announces the layer as soon as it allocates, which on a busy machine can be
// before the track's first packet makes it TrackSubscribed (a wait for the
// track first then read past the announcement of the high layer, and waited
// 40 s for another).
func waitSubscribedAt(t *testing.T, sub *client.Client, sid string, q vocab.Quality) {
	t.Helper()
	deadline := time.After(rampTimeout)
	var subscribed bool
	var last *client.SubscriptionLayer
	for !subscribed || last == nil || last.Quality != q {
		select {
		case ev := <-sub.Events():
			switch e := ev.(type) {
			case client.TrackSubscribed:
				e.Track.Discard()
				subscribed = subscribed || e.Track.TrackSID == sid
			case client.SubscriptionLayer:
				if e.TrackSID == sid {
					last = &e
				}
			}
		case <-deadline:
			t.Fatalf("track subscribed %v, last layer announced %+v; want it at %v", subscribed, last, q)
		}
	}
}

// waitPublisherLayers waits until the publisher's track has its high layer enabled (or
// not) and the last publisher_layers event for it says the same. The state is what
// counts, not the first matching event: events from the estimator's ramp (the high layer
// off while the subscriber's estimate was still low, then on) can still be queued.
func waitPublisherLayers(t *testing.T, pub *client.Client, track *client.LocalTrack, highEnabled bool) {
	t.Helper()
	var last *client.PublisherLayers
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case ev := <-pub.Events():
			if e, ok := ev.(client.PublisherLayers); ok && e.TrackSID == track.SID() {
				last = &e
			}
			continue
		case <-tick.C:
		case <-deadline:
			t.Fatalf("high layer enabled %v at the publisher, last publisher_layers %+v; want %v", track.LayerEnabled(2), last, highEnabled)
		}
		if last != nil && len(last.Layers) == 3 && last.Layers[2].Enabled == highEnabled && track.LayerEnabled(2) == highEnabled {
			return
		}
	}
}
