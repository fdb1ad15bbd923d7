package cascade

import "github.com/prometheus/client_golang/prometheus"

// Counters count the tracks crossing between this node and its peers, by
// peer node: the proof that each track crosses once.
type Counters struct {
	Out, In *prometheus.CounterVec
}

// NewCounters makes the counters; register Collectors() on /metrics.
func NewCounters() *Counters {
	return &Counters{
		Out: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ensemble_relay_tracks_out_total",
			Help: "Tracks of this node's participants relayed to a peer node (published there once each).",
		}, []string{"peer"}),
		In: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ensemble_relay_tracks_in_total",
			Help: "Tracks received from a peer node and published into this node's room (once each).",
		}, []string{"peer"}),
	}
}

// Collectors lists the counters for a registry.
func (c *Counters) Collectors() []prometheus.Collector { return []prometheus.Collector{c.Out, c.In} }
