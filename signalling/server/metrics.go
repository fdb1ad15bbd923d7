package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the signalling server's own counters; the sfu's are read from
// Engine.Stats() at scrape time by engineCollector.
type metrics struct {
	registry        *prometheus.Registry
	joins           prometheus.Counter
	resumes         prometheus.Counter
	lobbyKnocks     prometheus.Counter
	refusals        *prometheus.CounterVec
	requestErrors   *prometheus.CounterVec
	messagesIn      prometheus.Counter
	messagesOut     prometheus.Counter
	connectionsLost prometheus.Counter
	queueOverflows  prometheus.Counter
}

func newMetrics(s *Server, reg *prometheus.Registry) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
		if err := reg.Register(collectors.NewGoCollector()); err != nil {
			return nil, err
		}
		if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
			return nil, err
		}
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "ensemble", Subsystem: "signalling", Name: name, Help: help})
	}
	m := &metrics{
		registry:        reg,
		joins:           counter("joins_total", "Participants admitted at /rtc."),
		resumes:         counter("resumes_total", "Sessions resumed after a dropped connection."),
		lobbyKnocks:     counter("lobby_knocks_total", "Guests sent to wait in a room's lobby."),
		messagesIn:      counter("messages_received_total", "WebSocket messages received from clients."),
		messagesOut:     counter("messages_sent_total", "WebSocket messages sent to clients."),
		connectionsLost: counter("connections_lost_total", "Connections that dropped without a leave (participant kept for a resume)."),
		queueOverflows:  counter("queue_overflows_total", "Connections dropped because the client did not read fast enough."),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "ensemble", Subsystem: "signalling", Name: "refused_total",
			Help: "Requests at /rtc refused before the upgrade, by error code.",
		}, []string{"code"}),
		requestErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "ensemble", Subsystem: "signalling", Name: "request_errors_total",
			Help: "Error messages sent to clients, by error code.",
		}, []string{"code"}),
	}
	sessions := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "ensemble", Subsystem: "signalling", Name: "participants",
		Help: "Participants held by the signalling server, connected or waiting for a resume.",
	}, func() float64 { return float64(s.Sessions()) })
	for _, c := range []prometheus.Collector{m.joins, m.resumes, m.lobbyKnocks, m.refusals, m.requestErrors, m.messagesIn,
		m.messagesOut, m.connectionsLost, m.queueOverflows, sessions, newEngineCollector(s.cfg.Engine),
		newBandwidthCollector(s.cfg.Engine)} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
