package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// Report is the result of a run; its JSON form is what --json writes.
type Report struct {
	Participants int     `json:"participants"`
	Rooms        int     `json:"rooms"`
	DurationS    float64 `json:"duration_s"`
	// DurationMeasuredS is the measured part of DurationS: after the joins.
	DurationMeasuredS float64 `json:"duration_measured_s"`
	TracksExpected    int     `json:"tracks_expected"`
	TracksSubscribed  int     `json:"tracks_subscribed"`
	JoinMS            Summary `json:"join_ms"`  // token to first remote frame
	DelayMS           Summary `json:"delay_ms"` // publisher capture to subscriber arrival
	JitterMS          Summary `json:"jitter_ms"`
	LossPct           float64 `json:"loss_pct"`
	BitrateKbps       float64 `json:"bitrate_kbps"`     // received, all subscribers together
	PacketsReceived   uint64  `json:"packets_received"` // over the whole run, joins included
	// PacketsReceivedMeasured is what was received in the measured part only.
	PacketsReceivedMeasured uint64   `json:"packets_received_measured"`
	Freezes                 int      `json:"freezes"`
	Joins                   int      `json:"joins"`
	JoinFailures            int      `json:"join_failures"`
	Errors                  []string `json:"errors,omitempty"`
	SubscriberMode          string   `json:"subscriber_mode"`
	// GeneratorCPUSeconds is the load generator's own CPU time (user and system,
	// its whole process's: a server in the same process, as in tests, counts too)
	// over the measured part of the run; null where it cannot be read.
	GeneratorCPUSeconds *float64 `json:"generator_cpu_s"`
	// GeneratorCPUUsPerPacket is GeneratorCPUSeconds per packet received in the
	// same part of the run, in microseconds.
	GeneratorCPUUsPerPacket *float64 `json:"generator_cpu_us_per_packet"`

	// Server figures, null when its /metrics could not be read. They cover the
	// steady part of the run: from the moment every participant has joined (so the
	// DTLS handshakes of the joins are not charged to forwarding) to the end.
	ServerCPUSeconds      *float64 `json:"server_cpu_s"`
	ServerPacketsOut      *float64 `json:"server_packets_out"`
	ServerCPUUsPerPacket  *float64 `json:"server_cpu_us_per_packet"`
	ServerCPUUsPerMbps    *float64 `json:"server_cpu_s_per_mbps_s"`
	ServerMemStartMB      *float64 `json:"server_mem_start_mb"`
	ServerMemEndMB        *float64 `json:"server_mem_end_mb"`
	ServerGoroutinesStart *float64 `json:"server_goroutines_start"`
	ServerGoroutinesEnd   *float64 `json:"server_goroutines_end"`
	ServerNACKsReceived   *float64 `json:"server_nacks_received"`
	ServerPLIsReceived    *float64 `json:"server_plis_received"`
	ServerPLIsSent        *float64 `json:"server_plis_sent"`
	// What else the server put on the wire beside the media packets counted
	// in server_packets_out: retransmissions, probing padding, RTCP datagrams.
	ServerRetransmits    *float64 `json:"server_retransmits"`
	ServerPaddingPackets *float64 `json:"server_padding_packets"`
	ServerRTCPOut        *float64 `json:"server_rtcp_out"`
	// How the shared UDP socket sent them all: datagrams, the sendmmsg
	// entries they went in (with UDP GSO fewer than datagrams), and the
	// system calls.
	ServerUDPDatagrams *float64 `json:"server_udp_datagrams"`
	ServerUDPMessages  *float64 `json:"server_udp_messages"`
	ServerUDPCalls     *float64 `json:"server_udp_calls"`
}

// addServer fills the server figures from samples taken at the start and end of the run.
func (r *Report) addServer(start, end ServerSample) {
	if !start.HaveCPU || !end.HaveCPU {
		return
	}
	cpu := end.CPUSeconds - start.CPUSeconds
	r.ServerCPUSeconds = &cpu
	memStart, memEnd := start.ResidentBytes/(1<<20), end.ResidentBytes/(1<<20)
	r.ServerMemStartMB, r.ServerMemEndMB = &memStart, &memEnd
	gStart, gEnd := start.Goroutines, end.Goroutines
	r.ServerGoroutinesStart, r.ServerGoroutinesEnd = &gStart, &gEnd
	nacks, plisIn, plisOut := end.NACKsReceived-start.NACKsReceived, end.PLIsReceived-start.PLIsReceived, end.PLIsSent-start.PLIsSent
	r.ServerNACKsReceived, r.ServerPLIsReceived, r.ServerPLIsSent = &nacks, &plisIn, &plisOut
	rtx, padding, rtcpOut := end.Retransmits-start.Retransmits, end.PaddingPackets-start.PaddingPackets, end.RTCPOut-start.RTCPOut
	r.ServerRetransmits, r.ServerPaddingPackets, r.ServerRTCPOut = &rtx, &padding, &rtcpOut
	dgrams, msgs, calls := end.UDPDatagrams-start.UDPDatagrams, end.UDPMessages-start.UDPMessages, end.UDPCalls-start.UDPCalls
	r.ServerUDPDatagrams, r.ServerUDPMessages, r.ServerUDPCalls = &dgrams, &msgs, &calls
	if !start.HavePacketsOut {
		return
	}
	packets := end.PacketsOut - start.PacketsOut
	r.ServerPacketsOut = &packets
	if packets > 0 {
		us := cpu * 1e6 / packets
		r.ServerCPUUsPerPacket = &us
	}
	if megabits := (end.BytesOut - start.BytesOut) * 8 / 1e6; megabits > 0 {
		perMbps := cpu / megabits // CPU seconds per megabit forwarded = CPU share per Mbps
		r.ServerCPUUsPerMbps = &perMbps
	}
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// WriteTable writes the report for a person to read.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(name, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{name}, args...)...)
	}
	row("participants", "%d in %d room(s), %.0f s", r.Participants, r.Rooms, r.DurationS)
	row("tracks subscribed", "%d of %d expected", r.TracksSubscribed, r.TracksExpected)
	row("join (token to first frame)", "p50 %.0f ms, p95 %.0f ms", r.JoinMS.P50, r.JoinMS.P95)
	row("delay (capture to arrival)", "p50 %.1f ms, p95 %.1f ms", r.DelayMS.P50, r.DelayMS.P95)
	row("jitter", "p50 %.1f ms, p95 %.1f ms", r.JitterMS.P50, r.JitterMS.P95)
	row("loss", "%.3f %%", r.LossPct)
	row("received bitrate", "%.0f kbit/s", r.BitrateKbps)
	row("freezes (> 500 ms)", "%d", r.Freezes)
	row("joins", "%d (%d failed)", r.Joins, r.JoinFailures)
	if r.GeneratorCPUSeconds != nil {
		perPacket := "no packet received"
		if r.GeneratorCPUUsPerPacket != nil {
			perPacket = fmt.Sprintf("%.1f µs per packet received", *r.GeneratorCPUUsPerPacket)
		}
		row("generator CPU (after joins)", "%.2f s (%.0f %% of a core, %s; subscribers: %s)", *r.GeneratorCPUSeconds,
			*r.GeneratorCPUSeconds/max(r.DurationMeasuredS, 1e-9)*100, perPacket, r.SubscriberMode)
	}
	if r.ServerCPUSeconds != nil {
		row("server CPU (after joins)", "%.2f s", *r.ServerCPUSeconds)
	} else {
		row("server CPU", "unknown (no /metrics)")
	}
	if r.ServerCPUUsPerPacket != nil {
		row("server CPU per packet out", "%.2f µs", *r.ServerCPUUsPerPacket)
	}
	if r.ServerCPUUsPerMbps != nil {
		row("server CPU per Mbit/s out", "%.2f %% of a core", *r.ServerCPUUsPerMbps*100)
	}
	if r.ServerNACKsReceived != nil {
		row("server NACKs / PLIs in", "%.0f / %.0f (PLIs to publishers %.0f)", *r.ServerNACKsReceived, *r.ServerPLIsReceived, *r.ServerPLIsSent)
	}
	if r.ServerPacketsOut != nil && r.ServerRetransmits != nil {
		row("server packets out", "media %.0f, retransmissions %.0f, padding %.0f, RTCP %.0f",
			*r.ServerPacketsOut, *r.ServerRetransmits, *r.ServerPaddingPackets, *r.ServerRTCPOut)
	}
	if r.ServerUDPDatagrams != nil && *r.ServerUDPMessages > 0 && *r.ServerUDPCalls > 0 {
		row("server UDP sends", "%.0f datagrams in %.0f messages (%.1f per message) in %.0f calls (%.0f per call)",
			*r.ServerUDPDatagrams, *r.ServerUDPMessages, *r.ServerUDPDatagrams / *r.ServerUDPMessages,
			*r.ServerUDPCalls, *r.ServerUDPDatagrams / *r.ServerUDPCalls)
	}
	if r.ServerMemStartMB != nil {
		row("server memory", "%.0f MB → %.0f MB", *r.ServerMemStartMB, *r.ServerMemEndMB)
		row("server goroutines", "%.0f → %.0f", *r.ServerGoroutinesStart, *r.ServerGoroutinesEnd)
	}
	for _, e := range r.Errors {
		row("error", "%s", e)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
