package protocol

import "github.com/ensemble-sfu/ensemble/vocab"

// Simulcast layer messages (server → client). subscription_layer tells a
// subscriber which layer of a video it receives and why; publisher_layers tells a
// publisher which simulcast layers of a track to send (dynacast).
const (
	TypeSubscriptionLayer = "subscription_layer" // SubscriptionLayerEvent
	TypePublisherLayers   = "publisher_layers"   // PublisherLayersEvent
)

// SubscriptionLayerEvent: the layer of a subscribed video the subscriber receives,
// sent when it changes. Paused means not even the lowest layer fits the subscriber's
// bandwidth: the video is stopped until it does (show "paused for bandwidth").
type SubscriptionLayerEvent struct {
	TrackSID    string            `json:"track_sid"`
	Quality     string            `json:"quality"`
	Width       int               `json:"width,omitempty"`
	Height      int               `json:"height,omitempty"`
	Paused      bool              `json:"paused,omitempty"`
	Reason      vocab.LayerReason `json:"reason"` // requested, bandwidth or publisher
	EstimateBps int               `json:"estimate_bps,omitempty"`
}

// PublisherLayer is one layer in a PublisherLayersEvent.
type PublisherLayer struct {
	Quality string `json:"quality"`
	Enabled bool   `json:"enabled"`
}

// PublisherLayersEvent: send only the enabled layers of the track (browsers set
// RTCRtpSender encodings[i].active; the Go client stops writing the others). A layer
// enabled again must start with a keyframe.
type PublisherLayersEvent struct {
	TrackSID string           `json:"track_sid"`
	Layers   []PublisherLayer `json:"layers"`
}
