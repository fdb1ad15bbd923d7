package vocab

// LayerReason says why a subscriber gets the simulcast layer it gets.
type LayerReason string

// Layer reasons.
const (
	// LayerRequested: the layer the subscriber asked for (quality or size).
	LayerRequested LayerReason = "requested"
	// LayerBandwidth: the subscriber's estimated bandwidth allows no better
	// (or, with Paused, not even the lowest layer).
	LayerBandwidth LayerReason = "bandwidth"
	// LayerPublisher: the publisher sends no better layer now.
	LayerPublisher LayerReason = "publisher"
	// LayerStalled: the subscriber's connection does not take the packets
	// (a TCP socket it no longer reads): paused until it does, then resumed
	// from a key frame.
	LayerStalled LayerReason = "stalled"
)
