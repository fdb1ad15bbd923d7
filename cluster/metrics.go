package cluster

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector exports the live nodes as GET /api/v1/nodes lists them, read from
// Redis at each scrape, so that any node's /metrics shows the whole cluster:
// ensemble_cluster_node_{participants,rooms,cpu,egress_bps,draining} with labels
// node and region. Redis unreachable: no node series, and
// ensemble_cluster_nodes_readable 0.
func (c *Cluster) Collector() prometheus.Collector { return &nodesCollector{c: c} }

type nodesCollector struct{ c *Cluster }

var (
	nodeLabels       = []string{"node", "region"}
	descParticipants = prometheus.NewDesc("ensemble_cluster_node_participants", "Participants on each live node.", nodeLabels, nil)
	descRooms        = prometheus.NewDesc("ensemble_cluster_node_rooms", "Rooms open on each live node.", nodeLabels, nil)
	descCPU          = prometheus.NewDesc("ensemble_cluster_node_cpu", "Share of each live node's cores in use, last second (0..1).", nodeLabels, nil)
	descEgress       = prometheus.NewDesc("ensemble_cluster_node_egress_bps", "Media bit rate each live node forwards.", nodeLabels, nil)
	descDraining     = prometheus.NewDesc("ensemble_cluster_node_draining", "1 when the node is draining (takes no new room).", nodeLabels, nil)
	descReadable     = prometheus.NewDesc("ensemble_cluster_nodes_readable", "1 when the node list could be read from Redis at this scrape.", nil, nil)
)

// Describe sends nothing: the series change with the nodes (an unchecked collector).
func (*nodesCollector) Describe(chan<- *prometheus.Desc) {}

func (n *nodesCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	nodes, err := n.c.Nodes(ctx)
	readable := 1.0
	if err != nil {
		n.c.log.Warn("cluster metrics: listing the nodes failed", "err", err)
		readable = 0
	}
	ch <- prometheus.MustNewConstMetric(descReadable, prometheus.GaugeValue, readable)
	for _, node := range nodes {
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, node.ID, node.Region)
		}
		draining := 0.0
		if node.Draining {
			draining = 1
		}
		gauge(descParticipants, float64(node.Participants))
		gauge(descRooms, float64(node.Rooms))
		gauge(descCPU, node.CPU)
		gauge(descEgress, float64(node.EgressBps))
		gauge(descDraining, draining)
	}
}
