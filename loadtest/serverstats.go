package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// ServerSample is what the load generator reads of the server's /metrics at one moment.
type ServerSample struct {
	CPUSeconds     float64
	ResidentBytes  float64
	Goroutines     float64
	PacketsOut     float64
	BytesOut       float64
	NACKsReceived  float64 // NACK requests from subscribers
	PLIsReceived   float64 // picture-loss indications from subscribers
	PLIsSent       float64 // key-frame requests to publishers
	Retransmits    float64 // packets sent again after a NACK
	PaddingPackets float64 // padding-only probe packets
	RTCPOut        float64 // RTCP compound packets written (one datagram each)
	// The shared UDP socket's sends: datagrams, the sendmmsg entries they
	// went in (UDP GSO merges runs), system calls.
	UDPDatagrams, UDPMessages, UDPCalls float64
	HaveCPU                             bool
	HavePacketsOut                      bool
}

// Metric names read from the server. The process and Go collectors are Prometheus' own;
// the ensemble_* counters are the SFU's.
const (
	metricCPU        = "process_cpu_seconds_total"
	metricRSS        = "process_resident_memory_bytes"
	metricGoroutines = "go_goroutines"
	metricPacketsOut = `ensemble_sfu_rtp_packets_total{direction="out"}`
	metricBytesOut   = `ensemble_sfu_rtp_bytes_total{direction="out"}`
	metricNACKsIn    = "ensemble_sfu_nacks_received_total"
	metricPLIsIn     = "ensemble_sfu_plis_received_total"
	metricPLIsOut    = "ensemble_sfu_plis_sent_total"
	metricRTX        = "ensemble_sfu_retransmitted_packets_total"
	metricPadding    = "ensemble_sfu_padding_packets_total"
	metricRTCPOut    = `ensemble_sfu_rtcp_packets_sent_total{unit="compound"}`
	metricUDPDgrams  = "ensemble_sfu_udp_datagrams_sent_total"
	metricUDPMsgs    = "ensemble_sfu_udp_send_messages_total"
	metricUDPCalls   = "ensemble_sfu_udp_send_calls_total"
)

// ScrapeServer reads the server's Prometheus text exposition at metricsURL.
func ScrapeServer(ctx context.Context, client *http.Client, metricsURL string) (ServerSample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return ServerSample{}, fmt.Errorf("scrape %s: %w", metricsURL, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return ServerSample{}, fmt.Errorf("scrape %s: %w", metricsURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ServerSample{}, fmt.Errorf("scrape %s: HTTP %d", metricsURL, resp.StatusCode)
	}
	sums, err := sumMetrics(resp.Body)
	if err != nil {
		return ServerSample{}, fmt.Errorf("scrape %s: %w", metricsURL, err)
	}
	s := ServerSample{
		CPUSeconds:     sums[metricCPU],
		ResidentBytes:  sums[metricRSS],
		Goroutines:     sums[metricGoroutines],
		PacketsOut:     sums[metricPacketsOut],
		BytesOut:       sums[metricBytesOut],
		NACKsReceived:  sums[metricNACKsIn],
		PLIsReceived:   sums[metricPLIsIn],
		PLIsSent:       sums[metricPLIsOut],
		Retransmits:    sums[metricRTX],
		PaddingPackets: sums[metricPadding],
		RTCPOut:        sums[metricRTCPOut],
		UDPDatagrams:   sums[metricUDPDgrams],
		UDPMessages:    sums[metricUDPMsgs],
		UDPCalls:       sums[metricUDPCalls],
	}
	_, s.HaveCPU = sums[metricCPU]
	_, s.HavePacketsOut = sums[metricPacketsOut]
	return s, nil
}

// sumMetrics parses the Prometheus text format. It sums each metric's samples over
// their labels under the bare name, and also keeps each labelled series under its
// name with the labels as written (`name{a="b"}`).
func sumMetrics(r io.Reader) (map[string]float64, error) {
	sums := make(map[string]float64)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		name, rest := text, ""
		if i := strings.IndexAny(text, "{ "); i >= 0 {
			name, rest = text[:i], text[i:]
		}
		labels := ""
		if strings.HasPrefix(rest, "{") {
			end := strings.LastIndexByte(rest, '}')
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated labels", line)
			}
			labels, rest = rest[:end+1], rest[end+1:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return nil, fmt.Errorf("line %d: sample %q has no value", line, name)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: value of %q: %w", line, name, err)
		}
		sums[name] += v
		if labels != "" {
			sums[name+labels] += v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	return sums, nil
}
