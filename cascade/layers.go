package cascade

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// A simulcast video track reaches a relay as one stream per layer (the SFU
// pins each of a relay's streams to one layer, sfu.relayLayers): the top one
// under the track's SID, the others as client.RemoteTrack.LayerOnly. The
// bridge gathers them and publishes the track once, as simulcast with the same
// layers, so that the other node's allocator gives each of its subscribers the
// layer its bandwidth allows. Its dynacast turns off, at the bridge, the layers
// nobody there receives; the bridge then pauses that layer's stream at its
// source (layerPauser), so that it stops crossing between the nodes (and, if
// nobody on the source's node receives it either, the publisher stops sending
// it); when someone there needs it again, the stream resumes at a key frame.

// layerGroup gathers the layer streams of one simulcast track.
type layerGroup struct {
	want    int // declared layers
	mu      sync.Mutex
	streams []*client.RemoteTrack
	taken   bool          // the streams were published: later ones are dropped
	full    chan struct{} // closed once want streams arrived
}

// simulcastLayers is the number of declared layers of a received video track
// the relay gets one stream per layer of; 0 for any other track.
func simulcastLayers(rt *client.RemoteTrack) int {
	if rt.Kind() != vocab.KindVideo {
		return 0
	}
	if n := len(rt.Info().Layers); n > 1 {
		return n
	}
	return 0
}

// addLayer files one layer stream of a simulcast track; the first stream's
// caller (first true) relays the group once it is complete.
func (b *Bridge) addLayer(rt *client.RemoteTrack, layers int) (g *layerGroup, first bool) {
	b.layersMu.Lock()
	defer b.layersMu.Unlock()
	if b.layers == nil {
		b.layers = map[string]*layerGroup{}
	}
	g, ok := b.layers[rt.TrackSID]
	if !ok {
		g = &layerGroup{want: layers, full: make(chan struct{})}
		b.layers[rt.TrackSID] = g
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.taken {
		rt.Discard() // came after its track was published without it
		return g, false
	}
	g.streams = append(g.streams, rt)
	if len(g.streams) == g.want {
		close(g.full)
	}
	return g, !ok
}

// relayLayers waits (within publishTimeout) for every layer stream of a
// simulcast track, publishes the track with those layers on the other leg on
// behalf of its owner, and copies each stream's packets to its layer until
// they end. Layers that did not arrive in time are left out.
func (b *Bridge) relayLayers(g *layerGroup, from, to *client.Client, crossed prometheus.Counter) {
	sid := ""
	defer func() {
		b.layersMu.Lock()
		delete(b.layers, sid)
		b.layersMu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(b.ctx, publishTimeout)
	select {
	case <-g.full:
	case <-ctx.Done():
	}
	cancel()
	g.mu.Lock()
	streams := slices.Clone(g.streams)
	g.taken = true
	g.mu.Unlock()
	slices.SortFunc(streams, func(x, y *client.RemoteTrack) int { return int(streamQuality(x)) - int(streamQuality(y)) })
	top := streams[len(streams)-1]
	sid = top.TrackSID
	owner, ok := top.Participant()
	if !ok || b.ctx.Err() != nil {
		for _, rt := range streams {
			rt.Discard()
		}
		return
	}
	info := top.Info()
	codec := top.Codec()
	var layers []vocab.LayerInfo
	for _, rt := range streams {
		q := streamQuality(rt)
		for _, l := range info.Layers {
			if l.Quality == q {
				l.RID = "" // the near leg names its layers itself
				layers = append(layers, l)
			}
		}
	}
	pauser := newLayerPauser(from, streams, b.log)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		pauser.run(b.ctx)
	}()
	defer pauser.stop()
	opts := client.TrackOptions{
		OnLayerEnabled: pauser.set,
		Kind:           vocab.KindVideo, Source: info.Source, Name: info.Name, MimeType: codec.MimeType,
		Width: info.Width, Height: info.Height, Layers: layers, Muted: b.publishMuted(sid, info.Muted),
		Owner: relayedOwner(owner),
		OnLayerKeyframeRequest: func(layer int) {
			if layer >= 0 && layer < len(streams) {
				if err := streams[layer].RequestKeyframe(); err != nil {
					b.log.Debug("relayed key-frame request", "track", sid, "layer", layer, "err", err)
				}
			}
		},
	}
	defer b.unrelayed(sid)
	if strings.EqualFold(codec.MimeType, webrtc.MimeTypeH264) {
		opts.FmtpLine = codec.SDPFmtpLine
	}
	ctx, cancel = context.WithTimeout(b.ctx, publishTimeout)
	lt, err := to.PublishTrack(ctx, opts)
	cancel()
	if err != nil {
		b.log.Warn("relaying a simulcast track failed", "track", sid, "participant", owner.Identity, "err", err)
		for _, rt := range streams {
			rt.Discard()
		}
		return
	}
	crossed.Inc()
	b.published(sid, lt)
	b.log.Info("simulcast track relayed", "track", sid, "participant", owner.Identity, "as", lt.SID(), "layers", len(layers))
	var wg sync.WaitGroup
	for i, rt := range streams {
		wg.Go(func() { b.copyLayer(rt, lt, i) })
	}
	wg.Wait()
	if b.ctx.Err() != nil {
		return // the leg closes with the bridge: nothing to unpublish
	}
	ctx, cancel = context.WithTimeout(b.ctx, publishTimeout)
	defer cancel()
	if err := lt.Unpublish(ctx); err != nil && !errors.Is(err, client.ErrTrackNotPublished) {
		b.log.Debug("unpublish relayed track", "track", lt.SID(), "err", err)
	}
}

// streamQuality is the layer a relay's stream carries: its own for a layer
// stream, the top declared one for the stream under the track's SID.
func streamQuality(rt *client.RemoteTrack) vocab.Quality {
	if rt.LayerOnly {
		return rt.Layer
	}
	top := vocab.QualityLow
	for _, l := range rt.Info().Layers {
		top = max(top, l.Quality)
	}
	return top
}

// copyLayer copies one layer stream's packets to layer of lt until it ends.
func (b *Bridge) copyLayer(rt *client.RemoteTrack, lt *client.LocalTrack, layer int) {
	exts := extensionMap(rt, lt)
	for {
		p, err := rt.ReadRTP()
		if err != nil {
			return
		}
		exts.rewrite(&p.Header)
		if err := lt.WriteRTP(layer, p); err != nil {
			b.log.Debug("relayed packet not written", "track", rt.TrackSID, "layer", layer, "err", err)
		}
	}
}
