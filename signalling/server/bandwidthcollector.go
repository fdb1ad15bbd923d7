package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ensemble-sfu/ensemble/sfu"
)

// bandwidthCollector exposes, per subscriber, the sfu's downstream bandwidth
// estimate and the layer each subscribed video gets (read at scrape time from
// sfu.Engine.BandwidthStats).
type bandwidthCollector struct {
	engine            *sfu.Engine
	estimate, sending *prometheus.Desc
	layer             *prometheus.Desc
}

func newBandwidthCollector(e *sfu.Engine) *bandwidthCollector {
	name := func(n string) string { return prometheus.BuildFQName("ensemble", "sfu", n) }
	return &bandwidthCollector{
		engine: e,
		estimate: prometheus.NewDesc(name("subscriber_estimate_bps"),
			"Estimated downstream bandwidth of a subscriber (bits per second).", []string{"room", "participant", "source"}, nil),
		sending: prometheus.NewDesc(name("subscriber_sending_bps"),
			"Bitrate sent to a subscriber, media and probing padding (bits per second).", []string{"room", "participant"}, nil),
		layer: prometheus.NewDesc(name("subscription_layer"),
			"Simulcast layer a subscriber gets of a video: 0 low, 1 medium, 2 high, -1 paused for bandwidth.",
			[]string{"room", "participant", "track", "reason"}, nil),
	}
}

func (c *bandwidthCollector) Describe(ch chan<- *prometheus.Desc) {
	prometheus.DescribeByCollect(c, ch)
}

func (c *bandwidthCollector) Collect(ch chan<- prometheus.Metric) {
	for _, b := range c.engine.BandwidthStats() {
		ch <- prometheus.MustNewConstMetric(c.estimate, prometheus.GaugeValue, float64(b.EstimateBps), b.Room, b.Identity, b.Source)
		ch <- prometheus.MustNewConstMetric(c.sending, prometheus.GaugeValue, float64(b.SendingBps), b.Room, b.Identity)
		for _, t := range b.Tracks {
			v := float64(t.Quality) // 0 low, 1 medium, 2 high
			if t.Paused {
				v = -1
			}
			ch <- prometheus.MustNewConstMetric(c.layer, prometheus.GaugeValue, v, b.Room, b.Identity, t.TrackSID, string(t.Reason))
		}
	}
}
