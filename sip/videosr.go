package sip

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/rtcp"
)

// RTCP sender reports on the video the bridge sends the far end: every
// senderReportInterval, once it sent something, an SR (RFC 3550 6.4.1)
// with the wall clock and the RTP time of the same instant, and the packets
// and octets sent, with an SDES CNAME as RFC 3550 wants of a compound
// packet; to where the far end's RTCP goes (as the PLI), SRTCP when the
// video is SRTP. Devices that line up audio and video, or that count a
// stream as alive by its reports, need them. The RTP time of the report is
// the last packet's timestamp moved on by the wall time since it was sent
// (the clock of the outgoing stream is the switcher's, 90 kHz).

// senderReportInterval is RFC 3550's minimum interval between reports.
const senderReportInterval = 5 * time.Second

// videoClockRate is H.264's RTP clock.
const videoClockRate = 90000

// sentVideo counts what the bridge sent on a video leg, for its reports.
type sentVideo struct {
	mu      sync.Mutex
	packets uint32
	octets  uint32 // payload bytes (RFC 3550: without headers or padding)
	lastTS  uint32
	lastAt  time.Time
}

// sent records a packet that left.
func (s *sentVideo) sent(ts uint32, payload int, at time.Time) {
	s.mu.Lock()
	s.packets++
	s.octets += uint32(payload)
	s.lastTS, s.lastAt = ts, at
	s.mu.Unlock()
}

// report is the sender report of ssrc at now; ok false before anything was
// sent.
func (s *sentVideo) report(ssrc uint32, now time.Time) (rtcp.SenderReport, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.packets == 0 {
		return rtcp.SenderReport{}, false
	}
	// in microseconds, which neither overflow nor round away a tick
	elapsed := int64(now.Sub(s.lastAt) / time.Microsecond)
	ts := s.lastTS + uint32(elapsed*videoClockRate/1e6)
	return rtcp.SenderReport{SSRC: ssrc, NTPTime: ntpTime(now), RTPTime: ts, PacketCount: s.packets, OctetCount: s.octets}, true
}

// ntpTime is t in NTP's 64-bit format: seconds since 1900, and a fraction.
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800 // seconds from 1900 to 1970
	secs := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// sendSenderReports sends the far end a sender report of the call's video
// every senderReportInterval until ctx ends.
func (c *call) sendSenderReports(ctx context.Context) {
	tick := time.NewTicker(senderReportInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := c.sendSenderReport(time.Now()); err != nil {
			c.log.Debug("sip video sender report", "err", err)
		}
	}
}

// sendSenderReport sends one report (none before any video was sent).
func (c *call) sendSenderReport(now time.Time) error {
	v := c.video
	sr, ok := v.out.report(v.ssrc, now)
	if !ok {
		return nil
	}
	return v.sendRTCP(&sr, &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
		Source: v.ssrc, Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: v.cname()}}}}})
}

// cname is the RTCP CNAME of the bridge's video stream.
func (v *videoLeg) cname() string { return fmt.Sprintf("ensemble-%08x", v.ssrc) }

// rtcpDestination is where the far end's RTCP goes: its video RTP address
// with rtcp-mux, else the latched address (NAT) with the SDP's RTCP port.
func (v *videoLeg) rtcpDestination() netip.AddrPort {
	off := v.offer.Load()
	if off.rtcpMux {
		return *v.remote.Load()
	}
	if r := v.remote.Load(); r != nil {
		return netip.AddrPortFrom(r.Addr(), off.rtcpRemote.Port())
	}
	return off.rtcpRemote
}
