package forward

import (
	"encoding/binary"
	"log/slog"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/rewrite"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// rtxMinInterval: a packet NACKed again sooner than this after being
// retransmitted is not sent again (the first copy is likely still in flight).
const rtxMinInterval = 50 * time.Millisecond

// Start reads the RTCP the subscriber sends for this track (call it after
// pc.AddTrack returned sender): NACKs are answered from the UpTrack's packet
// cache, PLI and FIR are passed to the publisher (rate limited), receiver
// reports give loss, jitter and RTT. The goroutine ends on Close or when the
// sender stops.
func (d *DownTrack) Start(sender *webrtc.RTPSender) {
	d.startOnce.Do(func() {
		d.sender = sender
		d.started = true
		if tr := sender.Transport(); tr != nil {
			d.setRTCPSink(func(pkts []rtcp.Packet) error {
				_, err := tr.WriteRTCP(pkts)
				return err
			})
		}
		go d.readRTCP()
	})
}

func (d *DownTrack) readRTCP() {
	defer close(d.done)
	// Reading before the first packet went out could block inside Pion until
	// the transport is up, out of reach of a read deadline.
	select {
	case <-d.firstWrite:
	case <-d.closeCh:
		return
	}
	if d.closed.Load() {
		return
	}
	readRTCPUntilEnd(
		func() ([]rtcp.Packet, error) { pkts, _, err := d.sender.ReadRTCP(); return pkts, err },
		d.closed.Load,
		func(err error) { d.log.Warn("stopping RTCP reader after repeated errors", slog.Any("error", err)) },
		d.handleRTCP)
}

func (d *DownTrack) handleRTCP(pkts []rtcp.Packet, now time.Time) {
	b := d.bind.Load()
	if b == nil {
		return
	}
	for _, pkt := range pkts {
		switch p := pkt.(type) {
		case *rtcp.TransportLayerNack:
			if p.MediaSSRC != b.ssrc {
				continue
			}
			for i := range p.Nacks {
				p.Nacks[i].Range(func(seq uint16) bool {
					d.nacks.Add(1)
					d.retransmit(b, seq, now)
					return true
				})
			}
		case *rtcp.PictureLossIndication:
			if p.MediaSSRC == b.ssrc {
				d.plis.Add(1)
				d.keyframeRequested(now)
			}
		case *rtcp.FullIntraRequest:
			d.plis.Add(1)
			d.keyframeRequested(now)
		case *rtcp.ReceiverReport:
			for _, r := range p.Reports {
				if r.SSRC == b.ssrc {
					d.onReceptionReport(r, now)
				}
			}
		case *rtcp.SenderReport:
			for _, r := range p.Reports {
				if r.SSRC == b.ssrc {
					d.onReceptionReport(r, now)
				}
			}
		}
	}
}

// keyframeRequested passes a subscriber's PLI/FIR to the publisher's layer it
// receives (or waits for).
func (d *DownTrack) keyframeRequested(now time.Time) {
	mono := monoNanos(now)
	l := d.cur.Load()
	if l == nil {
		l = d.up.desiredLayer(vocab.Quality(d.target.Load()), mono)
	}
	if l != nil && !d.up.kindAudio {
		l.requestKeyframe(mono)
	}
}

func (d *DownTrack) onReceptionReport(r rtcp.ReceptionReport, now time.Time) {
	d.fractionLost.Store(uint32(r.FractionLost))
	d.totalLost.Store(r.TotalLost)
	if rate := d.up.clockRate; rate > 0 {
		d.jitterNanos.Store(int64(uint64(r.Jitter) * uint64(time.Second) / uint64(rate)))
	}
	if r.LastSenderReport == 0 {
		return
	}
	// RFC 3550 6.4.1: RTT = arrival - LSR - DLSR, in 1/65536 s.
	rtt := ntpMiddle32(now) - r.LastSenderReport - r.Delay
	if int32(rtt) < 0 {
		return
	}
	d.rttNanos.Store(int64(uint64(rtt) * uint64(time.Second) >> 16))
}

// retransmit sends the packet the subscriber knows as outSeq again, rebuilt
// from the layer's cache with the same sequence number, timestamp and VP8
// picture ID as the first time. With RTX negotiated it goes on the RTX SSRC
// (RFC 4588: the original sequence number prefixed to the payload);
// otherwise on the primary SSRC.
func (d *DownTrack) retransmit(b *binding, outSeq uint16, now time.Time) {
	mono := monoNanos(now)
	d.mu.Lock()
	e := d.hist.lookup(outSeq)
	if e == nil || (e.lastRTX != 0 && mono-e.lastRTX < int64(rtxMinInterval)) {
		d.mu.Unlock()
		if e == nil {
			d.rtxMisses.Add(1)
		}
		return
	}
	e.lastRTX = mono
	sent := *e
	d.mu.Unlock()

	n, ok := sent.layer.cache.Get(sent.srcSeq, d.rtxIn)
	if !ok || d.rtxPkt.Unmarshal(d.rtxIn[:n]) != nil {
		d.rtxMisses.Add(1)
		return
	}
	useRTX := b.rtxSSRC != 0
	off := 0
	if useRTX {
		binary.BigEndian.PutUint16(d.rtxOut, outSeq)
		off = 2
	}
	payload := d.rtxPkt.Payload
	switch {
	case sent.vp8:
		desc, err := rewrite.ParseVP8(payload)
		if err != nil {
			d.rtxMisses.Add(1)
			return
		}
		m, err := rewrite.WriteVP8(d.rtxOut[off:], payload, &desc, sent.pictureID, sent.tl0picidx)
		if err != nil {
			d.rtxMisses.Add(1)
			return
		}
		payload = d.rtxOut[:off+m]
	case sent.vp9:
		desc, err := rewrite.ParseVP9(payload)
		if err != nil {
			d.rtxMisses.Add(1)
			return
		}
		m, err := rewrite.WriteVP9(d.rtxOut[off:], payload, &desc, sent.pictureID, sent.tl0picidx)
		if err != nil {
			d.rtxMisses.Add(1)
			return
		}
		payload = d.rtxOut[:off+m]
	case useRTX:
		m := copy(d.rtxOut[off:], payload)
		payload = d.rtxOut[:off+m]
	}
	putAbsSendTime(&d.rtxAbs, now)
	readExtensions(&d.rtxExt, &d.rtxPkt.Header, &sent.layer.ext, d.rtxAbs[:])
	fillHeader(&d.rtxHdr, b, &d.rtxPkt.Header, &d.rtxExt, outSeq, sent.outTS)
	if sent.event && b.eventPT != noEventPT {
		d.rtxHdr.PayloadType = uint8(b.eventPT)
	}
	if useRTX {
		d.rtxHdr.SSRC = b.rtxSSRC
		d.rtxHdr.PayloadType = b.rtxPT
		d.rtxHdr.SequenceNumber = d.rtxSeq
		d.rtxSeq++
	}
	if _, err := b.writer.WriteRTP(&d.rtxHdr, payload); err != nil {
		d.writeErrors.Add(1)
		return
	}
	d.retransmits.Add(1)
}
