package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const sampleMetrics = `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
process_resident_memory_bytes 1.048576e+08
go_goroutines 42
ensemble_sfu_rtp_packets_total{direction="in"} 1000
ensemble_sfu_rtp_packets_total{direction="out"} 4000
ensemble_sfu_rtp_bytes_total{direction="out"} 5e6
ensemble_sfu_nacks_received_total 17
ensemble_sfu_plis_received_total 3
ensemble_sfu_plis_sent_total 2
ensemble_sfu_retransmitted_packets_total 9
ensemble_sfu_padding_packets_total 40
ensemble_sfu_rtcp_packets_sent_total{unit="compound"} 120
ensemble_sfu_rtcp_packets_sent_total{unit="packet"} 300
ensemble_sfu_udp_datagrams_sent_total 4200
ensemble_sfu_udp_send_messages_total 1400
ensemble_sfu_udp_send_calls_total 70
odd_metric{note="a } brace"} 3
`

func TestScrapeServerSumsLabelledSamples(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, sampleMetrics)
	}))
	defer srv.Close()
	s, err := ScrapeServer(context.Background(), srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !s.HaveCPU || s.CPUSeconds != 12.5 || s.Goroutines != 42 || s.PacketsOut != 4000 || s.ResidentBytes != 1<<20*100 {
		t.Fatalf("got %+v", s)
	}
	if s.NACKsReceived != 17 || s.PLIsReceived != 3 || s.PLIsSent != 2 {
		t.Fatalf("feedback counters: got %+v", s)
	}
	if s.Retransmits != 9 || s.PaddingPackets != 40 || s.RTCPOut != 120 {
		t.Fatalf("packets beside media: got %+v (RTCP counted in compound packets)", s)
	}
	if s.UDPDatagrams != 4200 || s.UDPMessages != 1400 || s.UDPCalls != 70 {
		t.Fatalf("UDP sends: got %+v", s)
	}
}

func TestSumMetricsRefusesBrokenLines(t *testing.T) {
	for _, in := range []string{"metric{a=\"b\" 1", "metric", "metric notanumber"} {
		if _, err := sumMetrics(strings.NewReader(in)); err == nil {
			t.Errorf("%q: accepted", in)
		}
	}
}

func FuzzSumMetrics(f *testing.F) {
	f.Add(sampleMetrics)
	f.Add("a{b=\"}\"} 1\n")
	f.Fuzz(func(t *testing.T, in string) {
		_, _ = sumMetrics(strings.NewReader(in)) // must not panic
	})
}

func TestReportServerFigures(t *testing.T) {
	var r Report
	r.addServer(ServerSample{CPUSeconds: 10, PacketsOut: 1000, BytesOut: 0, NACKsReceived: 5, HaveCPU: true, HavePacketsOut: true},
		ServerSample{CPUSeconds: 11, PacketsOut: 201000, BytesOut: 125e6, NACKsReceived: 12, PLIsReceived: 1, HaveCPU: true, HavePacketsOut: true})
	if r.ServerCPUSeconds == nil || *r.ServerCPUSeconds != 1 || *r.ServerCPUUsPerPacket != 5 {
		t.Fatalf("got cpu %v per packet %v", r.ServerCPUSeconds, r.ServerCPUUsPerPacket)
	}
	// 1 CPU second for 1000 megabits: 0.1 % of a core per Mbit/s.
	if r.ServerCPUUsPerMbps == nil || *r.ServerCPUUsPerMbps != 0.001 {
		t.Fatalf("got CPU per Mbit/s %v", r.ServerCPUUsPerMbps)
	}
	if *r.ServerNACKsReceived != 7 || *r.ServerPLIsReceived != 1 || *r.ServerPLIsSent != 0 {
		t.Fatalf("got NACKs %v PLIs %v/%v", *r.ServerNACKsReceived, *r.ServerPLIsReceived, *r.ServerPLIsSent)
	}
	var none Report
	none.addServer(ServerSample{}, ServerSample{})
	if none.ServerCPUSeconds != nil {
		t.Fatal("unknown CPU must stay null")
	}
	var b strings.Builder
	if err := none.WriteJSON(&b); err != nil || !strings.Contains(b.String(), `"server_cpu_s": null`) {
		t.Fatalf("JSON without server figures: %v %s", err, b.String())
	}
}
