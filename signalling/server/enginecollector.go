package server

import (
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/prometheus/client_golang/prometheus"
)

// engineCollector reads the sfu's counters snapshot at scrape time, so the media
// path keeps plain atomic counters and knows nothing of Prometheus.
type engineCollector struct {
	engine *sfu.Engine
	descs  engineDescs
}

type engineDescs struct {
	rooms, participants, tracks, subscriptions       *prometheus.Desc
	packets, bytes                                   *prometheus.Desc // label direction=in|out
	nacks, retransmits, plisReceived, plisSent, lost *prometheus.Desc
	padding, paddingBytes, rtcpOut                   *prometheus.Desc
	ownPath                                          *prometheus.Desc
	udpDatagrams, udpMessages, udpCalls, udpErrors   *prometheus.Desc
	meanRTT                                          *prometheus.Desc
}

func newEngineCollector(e *sfu.Engine) *engineCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName("ensemble", "sfu", name), help, labels, nil)
	}
	return &engineCollector{engine: e, descs: engineDescs{
		rooms:         d("rooms", "Open rooms."),
		participants:  d("participants", "Participants in rooms, hidden ones included."),
		tracks:        d("published_tracks", "Published tracks."),
		subscriptions: d("subscriptions", "Subscriptions (down tracks)."),
		packets:       d("rtp_packets_total", "RTP packets received from publishers (in) and sent to subscribers (out, retransmissions excluded).", "direction"),
		bytes:         d("rtp_bytes_total", "RTP bytes received from publishers (in) and sent to subscribers (out).", "direction"),
		nacks:         d("nacks_received_total", "Sequence numbers subscribers asked for again (NACK)."),
		retransmits:   d("retransmitted_packets_total", "Packets sent again after a NACK."),
		plisReceived:  d("plis_received_total", "Keyframe requests (PLI/FIR) received from subscribers."),
		plisSent:      d("plis_sent_total", "Keyframe requests (PLI) sent to publishers."),
		lost:          d("packets_lost_upstream_total", "Packets missing from publishers' streams."),
		padding:       d("padding_packets_total", "Padding-only packets sent to subscribers to probe for bandwidth."),
		paddingBytes:  d("padding_bytes_total", "Bytes of the padding-only packets."),
		ownPath:       d("own_write_path_packets_total", "RTP packets to subscribers sent by the SFU's own write path (SRTP and the batching socket, past Pion's); the others went through Pion's."),
		rtcpOut:       d("rtcp_packets_sent_total", "RTCP written to publishers and subscribers: compound packets (unit=compound, one datagram each) and the packets in them (unit=packet).", "unit"),
		udpDatagrams:  d("udp_datagrams_sent_total", "Datagrams sent on the shared UDP media socket (media, RTCP, ICE and DTLS of every participant on it)."),
		udpMessages:   d("udp_send_messages_total", "The sendmmsg entries those datagrams went in: one per datagram, or one per run of a subscriber's equal-sized datagrams with UDP GSO (datagrams / messages is what segmentation merged)."),
		udpCalls:      d("udp_send_calls_total", "System calls that sent them (sendmmsg, or sendto for a datagram alone)."),
		udpErrors:     d("udp_send_errors_total", "Datagrams the kernel refused on the shared UDP media socket."),
		meanRTT:       d("mean_rtt_milliseconds", "Mean round-trip time to subscribers, from receiver reports."),
	}}
}

func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	prometheus.DescribeByCollect(c, ch)
}

func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.engine.Stats()
	d := &c.descs
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	}
	counter := func(desc *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(d.rooms, float64(st.Rooms))
	gauge(d.participants, float64(st.Participants))
	gauge(d.tracks, float64(st.PublishedTracks))
	gauge(d.subscriptions, float64(st.Subscriptions))
	counter(d.packets, st.PacketsIn, "in")
	counter(d.packets, st.PacketsOut, "out")
	counter(d.bytes, st.BytesIn, "in")
	counter(d.bytes, st.BytesOut, "out")
	counter(d.nacks, st.NACKsReceived)
	counter(d.retransmits, st.Retransmits)
	counter(d.plisReceived, st.PLIsReceived)
	counter(d.plisSent, st.PLIsSent)
	counter(d.lost, st.PacketsLostUpstream)
	counter(d.padding, st.PaddingPackets)
	counter(d.paddingBytes, st.PaddingBytes)
	counter(d.ownPath, st.OwnPathPackets)
	counter(d.rtcpOut, st.RTCPCompoundsOut, "compound")
	counter(d.rtcpOut, st.RTCPPacketsOut, "packet")
	counter(d.udpDatagrams, st.UDPDatagramsSent)
	counter(d.udpMessages, st.UDPMessagesSent)
	counter(d.udpCalls, st.UDPSendCalls)
	counter(d.udpErrors, st.UDPSendErrors)
	gauge(d.meanRTT, st.MeanRTTMillis)
}
