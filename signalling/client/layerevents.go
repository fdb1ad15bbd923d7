package client

import (
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// SubscriptionLayer tells which layer of a subscribed video the client receives and
// why (requested, bandwidth, publisher); Paused means not even the lowest layer fits
// the client's bandwidth.
type SubscriptionLayer protocol.SubscriptionLayerEvent

// PublisherLayers reports that the server changed which simulcast layers of one of
// the client's tracks it wants (dynacast); the client already obeys it.
type PublisherLayers protocol.PublisherLayersEvent

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
	for _, l := range m.Layers {
		if i := track.layerOfQuality(l.Quality); i >= 0 {
			track.setLayerEnabled(i, l.Enabled)
		}
	}
	c.log.Debug("publisher layers", "track", m.TrackSID, "layers", m.Layers)
	c.events.push(PublisherLayers(m))
}

// layerOfQuality finds the index of the layer of quality q; -1 if none.
func (t *LocalTrack) layerOfQuality(q sfu.Quality) int {
	for i, l := range t.opts.Layers {
		if l.Quality == q {
			return i
		}
	}
	return -1
}
