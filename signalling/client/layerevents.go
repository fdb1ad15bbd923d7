package client

import (
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// SubscriptionLayer tells which layer of a subscribed video the client receives and
// why (requested, bandwidth, publisher); Paused means not even the lowest layer fits
// the client's bandwidth.
type SubscriptionLayer struct {
	TrackSID    string
	Quality     vocab.Quality
	Width       int
	Height      int
	Paused      bool
	Reason      vocab.LayerReason
	EstimateBps int
}

func subscriptionLayer(m protocol.SubscriptionLayerEvent) SubscriptionLayer {
	return SubscriptionLayer{
		TrackSID: m.TrackSID, Quality: m.VocabQuality(), Width: m.Width, Height: m.Height,
		Paused: m.Paused, Reason: m.Reason, EstimateBps: m.EstimateBps,
	}
}

// PublisherLayers reports that the server changed which simulcast layers of one of
// the client's tracks it wants (dynacast); the client already obeys it.
type PublisherLayers struct {
	TrackSID string
	Layers   []PublisherLayer
}

// PublisherLayer is one simulcast layer in PublisherLayers.
type PublisherLayer struct {
	Quality vocab.Quality
	Enabled bool
}

func (SubscriptionLayer) isEvent() {}
func (PublisherLayers) isEvent()   {}

// handlePublisherLayers obeys dynacast: disabled layers are no longer written (see
// LocalTrack.WriteSample), and a layer enabled again restarts at a keyframe.
func (c *Client) handlePublisherLayers(m protocol.PublisherLayersEvent) {
	c.mu.Lock()
	var track *LocalTrack
	for _, t := range c.local {
		if t.SID() == m.TrackSID {
			track = t
		}
	}
	c.mu.Unlock()
	if track == nil {
		return
	}
	ev := PublisherLayers{TrackSID: m.TrackSID, Layers: make([]PublisherLayer, len(m.Layers))}
	for i, l := range m.Layers {
		ev.Layers[i] = PublisherLayer{Quality: l.VocabQuality(), Enabled: l.Enabled}
		if j := track.layerOfQuality(ev.Layers[i].Quality); j >= 0 {
			track.setLayerEnabled(j, l.Enabled)
		}
	}
	c.log.Debug("publisher layers", "track", m.TrackSID, "layers", m.Layers)
	c.events.push(ev)
}

// layerOfQuality finds the index of the layer of quality q; -1 if none.
func (t *LocalTrack) layerOfQuality(q vocab.Quality) int {
	for i, l := range t.opts.Layers {
		if l.Quality == q {
			return i
		}
	}
	return -1
}
