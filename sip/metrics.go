package sip

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the bridge's Prometheus metrics (namespace ensemble, subsystem
// sip), registered by whoever serves /metrics (ensemble serve).
type metrics struct {
	refused *prometheus.CounterVec
}

func newMetrics() *metrics {
	return &metrics{refused: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "ensemble", Subsystem: "sip", Name: "refused_total",
		Help: "Calls refused, by the SIP status answered (404 unknown meeting, 488 no common codec, 503 at the limit, ...).",
	}, []string{"status"})}
}

func (b *Bridge) countRefused(status int) {
	b.metrics.refused.WithLabelValues(strconv.Itoa(status)).Inc()
}

// Collectors are the bridge's metrics: calls in progress and answered, refused
// calls by status, and (with a registrar) whether it is registered, until
// when, and the REGISTERs sent.
func (b *Bridge) Collectors() []prometheus.Collector {
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "ensemble", Subsystem: "sip", Name: name, Help: help}, f)
	}
	cs := []prometheus.Collector{
		b.metrics.refused,
		gauge("calls", "SIP calls in progress (being set up or answered).", func() float64 { return float64(b.Calls()) }),
		gauge("calls_answered", "SIP calls answered and bridged into a room.", func() float64 { return float64(b.Answered()) }),
	}
	if b.reg != nil {
		cs = append(cs, gauge("registered", "1 while the bridge is registered at its registrar.", func() float64 {
			if s, _ := b.Registration(); s.Registered {
				return 1
			}
			return 0
		}), gauge("registration_expiry_timestamp_seconds", "When the registration runs out (Unix time); 0 while not registered.", func() float64 {
			if s, _ := b.Registration(); s.Registered {
				return float64(s.Expires.Unix())
			}
			return 0
		}), prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "ensemble", Subsystem: "sip", Name: "register_attempts_total",
			Help: "REGISTER transactions sent (renewals and retries after failures)."}, func() float64 {
			s, _ := b.Registration()
			return float64(s.Attempts)
		}))
	}
	return cs
}
