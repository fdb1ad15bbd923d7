package webhook

import "github.com/prometheus/client_golang/prometheus"

var (
	descDelivered = prometheus.NewDesc("ensemble_webhook_events_delivered_total",
		"Webhook events accepted (2xx) by the receiver.", []string{"url"}, nil)
	descDropped = prometheus.NewDesc("ensemble_webhook_events_dropped_total",
		"Webhook events dropped because the URL's queue was full.", []string{"url"}, nil)
	descFailed = prometheus.NewDesc("ensemble_webhook_events_failed_total",
		"Webhook events given up: refused for good by the receiver (4xx other than 408/429), to a destination not allowed, or unreachable for longer than the give-up time.", []string{"url"}, nil)
	descAttempts = prometheus.NewDesc("ensemble_webhook_attempts_total",
		"Webhook delivery attempts.", []string{"url"}, nil)
	descAttemptsFailed = prometheus.NewDesc("ensemble_webhook_attempts_failed_total",
		"Webhook delivery attempts that will be retried (network error, 5xx, 408, 429).", []string{"url"}, nil)
	descQueue = prometheus.NewDesc("ensemble_webhook_queue_length",
		"Webhook events waiting for delivery.", []string{"url"}, nil)
)

var _ prometheus.Collector = (*Notifier)(nil)

// Describe implements prometheus.Collector.
func (n *Notifier) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDelivered, descDropped, descFailed, descAttempts, descAttemptsFailed, descQueue} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (n *Notifier) Collect(ch chan<- prometheus.Metric) {
	for _, s := range n.senders {
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), s.label)
		}
		counter(descDelivered, s.delivered.Load())
		counter(descDropped, s.dropped.Load())
		counter(descFailed, s.failed.Load())
		counter(descAttempts, s.attempts.Load())
		counter(descAttemptsFailed, s.attemptsFailed.Load())
		ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(s.length()), s.label)
	}
}

// Stats are the counters of one URL, for tests and status pages.
type Stats struct {
	URL                                                  string
	Delivered, Dropped, Failed, Attempts, AttemptsFailed uint64
	Queued                                               int
}

// Stats returns the counters of every URL, in Config.URLs order.
func (n *Notifier) Stats() []Stats {
	out := make([]Stats, 0, len(n.senders))
	for _, s := range n.senders {
		out = append(out, Stats{
			URL: s.label, Delivered: s.delivered.Load(), Dropped: s.dropped.Load(), Failed: s.failed.Load(),
			Attempts: s.attempts.Load(), AttemptsFailed: s.attemptsFailed.Load(), Queued: s.length(),
		})
	}
	return out
}
