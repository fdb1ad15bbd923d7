package forward

import (
	"log/slog"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// srInterval is how often a DownTrack sends its subscriber a sender report
// (RFC 3550 suggests about every 5 s at low rates; browsers and recorders sync
// sooner with one a second).
const srInterval = time.Second

// The sender reports a subscriber receives say which of its (rewritten) RTP
// timestamps corresponds to which instant, on the SFU's clock. They are built
// from the publisher's own reports, so that the audio and the video of one
// publisher keep the alignment the publisher gave them: a publisher report
// (RTP time R at the publisher's instant N) arrives here at A; at the SFU's
// instant T the subscriber's stream is at R + offset + (T-A)·rate, where offset
// is the forwarder's timestamp rewrite. Both tracks of a publisher reach the SFU
// over the same path, so their A-N delays match and the subscriber sees the
// publisher's lip sync. Until the publisher reported, the mapping is the last
// forwarded packet's timestamp at its arrival (what Pion's generic reports do).
// The NTP time being the SFU's clock now also keeps the RTT computed from the
// subscriber's receiver reports (LSR, DLSR) right.

// pubReport is the last sender report of a publisher's stream.
type pubReport struct {
	rtp     uint32
	arrival int64 // monoNanos
}

// onSenderReport records a publisher's report of this layer.
func (l *layer) onSenderReport(rtpTime uint32, now time.Time) {
	l.report.Store(&pubReport{rtp: rtpTime, arrival: monoNanos(now)})
}

// rtcpSource is the publisher's RTCP of one layer: Pion's receiver, read by RID.
type rtcpSource struct {
	receiver *webrtc.RTPReceiver
	rid      string
}

func (s rtcpSource) read() ([]rtcp.Packet, error) {
	if s.rid == "" {
		pkts, _, err := s.receiver.ReadRTCP()
		return pkts, err
	}
	pkts, _, err := s.receiver.ReadSimulcastRTCP(s.rid)
	return pkts, err
}

func (s rtcpSource) setReadDeadline(t time.Time) error {
	if s.rid == "" {
		return s.receiver.SetReadDeadline(t)
	}
	return s.receiver.SetReadDeadlineSimulcast(t, s.rid)
}

// readRTCP reads the publisher's RTCP for the layer and keeps its sender
// reports, until the layer stops or the receiver does. Reading it also lets
// Pion's receiver-report interceptor see the reports, so that the SFU's
// receiver reports carry LSR/DLSR and the publisher learns its RTT.
func (l *layer) readRTCP(src rtcpSource) {
	readRTCPUntilEnd(src.read, l.stopping.Load,
		func(err error) {
			l.up.log.Warn("stopping publisher RTCP reader after repeated errors",
				slog.String("rid", l.rid), slog.Any("error", err))
		},
		func(pkts []rtcp.Packet, now time.Time) {
			for _, p := range pkts {
				if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == l.ssrc {
					l.onSenderReport(sr.RTPTime, now)
				}
			}
		})
}

// rtcpSink sends RTCP to the subscriber (the DTLS transport of its sender).
type rtcpSink func([]rtcp.Packet) error

// reportDue decides, for a packet just written with the outgoing timestamp
// outTS, whether a sender report is due, and returns it. Callers hold d.mu.
func (d *DownTrack) reportDue(p *inPacket, outTS uint32) (rtcp.SenderReport, bool) {
	if d.lastReport != 0 && p.arrival-d.lastReport < int64(srInterval) {
		return rtcp.SenderReport{}, false
	}
	b := d.bind.Load()
	if b == nil || d.srSink.Load() == nil {
		return rtcp.SenderReport{}, false
	}
	d.lastReport = p.arrival
	rtpTime := outTS
	if rep := p.layer.report.Load(); rep != nil {
		offset := outTS - p.pkt.Timestamp
		elapsed := p.arrival - rep.arrival
		rtpTime = rep.rtp + offset + uint32(elapsed*int64(d.up.clockRate)/int64(time.Second))
	}
	return rtcp.SenderReport{
		SSRC:        b.ssrc,
		NTPTime:     ntpTime(p.wall),
		RTPTime:     rtpTime,
		PacketCount: uint32(d.packets.Load()),
		OctetCount:  uint32(d.bytes.Load()),
	}, true
}

// sendReport sends a sender report built by reportDue (outside d.mu).
func (d *DownTrack) sendReport(sr rtcp.SenderReport) {
	sink := d.srSink.Load()
	if sink == nil {
		return
	}
	if err := (*sink)([]rtcp.Packet{&sr}); err != nil {
		d.writeErrors.Add(1)
		return
	}
	d.reportsSent.Add(1)
}

// setRTCPSink makes the DownTrack send its sender reports through w.
func (d *DownTrack) setRTCPSink(w rtcpSink) { d.srSink.Store(&w) }

// ntpTime is the 64-bit NTP timestamp of t (seconds since 1900, 32.32 fixed point).
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800
	ns := t.UnixNano()
	sec := uint64(ns/int64(time.Second)) + ntpEpochOffset
	frac := uint64(ns%int64(time.Second)) << 32 / uint64(time.Second)
	return sec<<32 | frac
}
