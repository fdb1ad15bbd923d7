package sfu

import (
	"sync"
	"sync/atomic"

	"github.com/ensemble-sfu/ensemble/sfu/forward"
	"github.com/ensemble-sfu/ensemble/sfu/srtpout"
)

// Stats is a snapshot of the engine's counters for /metrics. Counts (Rooms …
// Subscriptions) are current values; the others only grow.
type Stats struct {
	Rooms           int
	Participants    int
	PublishedTracks int
	Subscriptions   int

	PacketsIn, BytesIn   uint64 // RTP from publishers
	PacketsOut, BytesOut uint64 // RTP to subscribers, retransmissions excluded
	NACKsReceived        uint64 // sequence numbers subscribers asked for again
	Retransmits          uint64 // packets sent again
	PLIsReceived         uint64 // PLI/FIR from subscribers
	PLIsSent             uint64 // PLI to publishers
	PacketsLostUpstream  uint64 // gaps in publishers' streams
	// Padding-only packets sent to probe for bandwidth, and their bytes.
	PaddingPackets, PaddingBytes uint64
	// RTCP written on every connection: compound (datagram-sized) packets
	// and the RTCP packets in them; the DownTracks' sender reports, written
	// to the transport beside the interceptors, included.
	RTCPCompoundsOut, RTCPPacketsOut uint64
	// RTP packets to subscribers (media, retransmissions and padding) that
	// left through the SFU's own write path (package srtpout), not Pion's.
	OwnPathPackets uint64
	// The shared UDP media socket's sends (every datagram of the UDP mux:
	// media, RTCP, ICE, DTLS): datagrams the kernel took, the sendmmsg
	// entries they went in (UDP GSO carries a subscriber's run of
	// equal-sized datagrams in one), the system calls, and the datagrams
	// the kernel refused.
	UDPDatagramsSent, UDPMessagesSent, UDPSendCalls, UDPSendErrors uint64
	MeanRTTMillis                                                  float64
}

// engineStats are the engine's counters. Media counters of live tracks are read
// from the media path when a snapshot is taken; those of ended tracks are
// folded into the retired totals so that counters never go down.
type engineStats struct {
	rooms, participants, tracks, subscriptions atomic.Int64
	plisSent                                   atomic.Uint64

	retiredIn, retiredInBytes, retiredLost    atomic.Uint64
	retiredOut, retiredOutBytes, retiredNACKs atomic.Uint64
	retiredRetransmits, retiredPLIsReceived   atomic.Uint64
	retiredPadding, retiredPaddingBytes       atomic.Uint64
	rtcpCompoundsOut, rtcpPacketsOut          atomic.Uint64

	// The own write paths of live subscriber connections, and the packets
	// of those closed, under one lock so that a path's count moves from
	// one to the other at once (a counter must never go down).
	ownMu      sync.Mutex
	ownPaths   map[*srtpout.Conn]struct{}
	ownRetired uint64
}

// addOwnPath counts a subscriber connection's own write path in.
func (s *engineStats) addOwnPath(c *srtpout.Conn) {
	s.ownMu.Lock()
	defer s.ownMu.Unlock()
	if s.ownPaths == nil {
		s.ownPaths = map[*srtpout.Conn]struct{}{}
	}
	s.ownPaths[c] = struct{}{}
}

// retireOwnPath folds a closed connection's count into the retired total.
func (s *engineStats) retireOwnPath(c *srtpout.Conn) {
	s.ownMu.Lock()
	defer s.ownMu.Unlock()
	if _, ok := s.ownPaths[c]; ok {
		delete(s.ownPaths, c)
		s.ownRetired += c.Stats().Packets
	}
}

// ownPathPackets is the packets sent through every own write path so far.
func (s *engineStats) ownPathPackets() uint64 {
	s.ownMu.Lock()
	defer s.ownMu.Unlock()
	n := s.ownRetired
	for c := range s.ownPaths {
		n += c.Stats().Packets
	}
	return n
}

func (s *engineStats) retireUp(st forward.UpStats) {
	s.retiredIn.Add(st.Packets)
	s.retiredInBytes.Add(st.Bytes)
	s.retiredLost.Add(st.PacketsLost)
}

func (s *engineStats) retireDown(st forward.DownStats) {
	s.retiredOut.Add(st.Packets)
	s.retiredOutBytes.Add(st.Bytes)
	s.retiredNACKs.Add(st.NACKs)
	s.retiredRetransmits.Add(st.Retransmits)
	s.retiredPLIsReceived.Add(st.PLIs)
	s.retiredPadding.Add(st.PaddingPackets)
	s.retiredPaddingBytes.Add(st.PaddingBytes)
	s.rtcpCompoundsOut.Add(st.SenderReports)
	s.rtcpPacketsOut.Add(st.SenderReports)
}

// Stats returns a snapshot of the engine's counters.
func (e *Engine) Stats() Stats {
	s := &e.stats
	out := Stats{
		Rooms:               int(s.rooms.Load()),
		Participants:        int(s.participants.Load()),
		PublishedTracks:     int(s.tracks.Load()),
		Subscriptions:       int(s.subscriptions.Load()),
		PacketsIn:           s.retiredIn.Load(),
		BytesIn:             s.retiredInBytes.Load(),
		PacketsLostUpstream: s.retiredLost.Load(),
		PacketsOut:          s.retiredOut.Load(),
		BytesOut:            s.retiredOutBytes.Load(),
		NACKsReceived:       s.retiredNACKs.Load(),
		Retransmits:         s.retiredRetransmits.Load(),
		PLIsReceived:        s.retiredPLIsReceived.Load(),
		PLIsSent:            s.plisSent.Load(),
		PaddingPackets:      s.retiredPadding.Load(),
		PaddingBytes:        s.retiredPaddingBytes.Load(),
		RTCPCompoundsOut:    s.rtcpCompoundsOut.Load(),
		RTCPPacketsOut:      s.rtcpPacketsOut.Load(),
		OwnPathPackets:      s.ownPathPackets(),
	}
	if e.udpConn != nil {
		u := e.udpConn.Stats()
		out.UDPDatagramsSent, out.UDPMessagesSent, out.UDPSendCalls, out.UDPSendErrors = u.Datagrams, u.Messages, u.Calls, u.Errors
	}
	var rttSum float64
	var rttN int
	for _, r := range e.Rooms() {
		for _, p := range r.snapshot() {
			ups, downs := p.mediaStats()
			for _, u := range ups {
				out.PacketsIn += u.Packets
				out.BytesIn += u.Bytes
				out.PacketsLostUpstream += u.PacketsLost
			}
			for _, d := range downs {
				out.PacketsOut += d.Packets
				out.BytesOut += d.Bytes
				out.NACKsReceived += d.NACKs
				out.Retransmits += d.Retransmits
				out.PLIsReceived += d.PLIs
				out.PaddingPackets += d.PaddingPackets
				out.PaddingBytes += d.PaddingBytes
				out.RTCPCompoundsOut += d.SenderReports
				out.RTCPPacketsOut += d.SenderReports
				if d.RTT > 0 {
					rttSum += float64(d.RTT.Microseconds()) / 1000
					rttN++
				}
			}
		}
	}
	if rttN > 0 {
		out.MeanRTTMillis = rttSum / float64(rttN)
	}
	return out
}

// mediaStats reads the counters of p's live tracks and subscriptions.
func (p *Participant) mediaStats() ([]forward.UpStats, []forward.DownStats) {
	p.mu.Lock()
	ups := make([]*forward.UpTrack, 0, len(p.tracks))
	for _, t := range p.tracks {
		if up := t.up.Load(); up != nil {
			ups = append(ups, up)
		}
	}
	downs := make([]*forward.DownTrack, 0, len(p.subs))
	for _, s := range p.subs {
		downs = append(downs, s.down)
	}
	p.mu.Unlock()
	us := make([]forward.UpStats, len(ups))
	for i, u := range ups {
		us[i] = u.Stats()
	}
	ds := make([]forward.DownStats, len(downs))
	for i, d := range downs {
		ds[i] = d.Stats()
	}
	return us, ds
}
