package server

import (
	"strings"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// layerEventMessage maps the simulcast events: which layer a subscriber gets
// (subscription_layer) and which layers a publisher sends (publisher_layers),
// and the backup a publisher is asked to send (publisher_backup).
// Neither is lossy: a dropped one would leave the client with a stale state until
// the next change.
func layerEventMessage(ev sfu.Event) (outMsg, bool) {
	switch e := ev.(type) {
	case sfu.SubscriptionLayer:
		return outMsg{typ: protocol.TypeSubscriptionLayer, data: protocol.SubscriptionLayerEvent{
			TrackSID: e.TrackSID, Quality: protocol.QualityName(e.Quality), Width: e.Width, Height: e.Height,
			Paused: e.Paused, Reason: e.Reason, EstimateBps: e.EstimateBps,
		}}, true
	case sfu.PublisherLayers:
		m := protocol.PublisherLayersEvent{TrackSID: e.TrackSID, Layers: make([]protocol.PublisherLayer, len(e.Layers))}
		for i, l := range e.Layers {
			m.Layers[i] = protocol.PublisherLayer{Quality: protocol.QualityName(l.Quality), Enabled: l.Enabled}
		}
		return outMsg{typ: protocol.TypePublisherLayers, data: m}, true
	case sfu.PublisherBackup:
		return outMsg{typ: protocol.TypePublisherBackup, data: protocol.PublisherBackupEvent{
			TrackSID: e.TrackSID, MimeType: strings.ToLower(e.MimeType), Enabled: e.Enabled,
		}}, true
	}
	return outMsg{}, false
}
