package forward

import (
	"encoding/binary"
	"log/slog"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/rewrite"
)

// rtxMinInterval: a packet NACKed again sooner than this after being
// retransmitted is not sent again (the first copy is likely still in flight).
const rtxMinInterval = 50 * time.Millisecond

// maxRetransmits bounds how often one packet is retransmitted. A receiver
// that keeps NACKing a packet it was sent several times (a client that reads
// retransmissions without telling its NACK generator, or a link that drops
// them all) would otherwise get a copy every rtxMinInterval for as long as
// the packet is cached: on a capped link, hundreds of packets a second that
// the link drops again, crowding out the media and the probes.
const maxRetransmits = 4

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
		d.readFeedback,
		d.closed.Load,
		func(err error) { d.log.Warn("stopping RTCP reader after repeated errors", slog.Any("error", err)) },
		d.handleFeedback)
}

// readFeedback reads the subscriber's next compound RTCP packet for this track
// (after Pion's interceptors saw it) into a reused buffer, and parses it once,
// without allocating.
func (d *DownTrack) readFeedback() (*rtcpFeedback, error) {
	n, _, err := d.sender.Read(d.rtcpIn)
	if err != nil {
		return nil, err
	}
	if err := d.feedback.parse(d.rtcpIn[:n]); err != nil {
		return nil, err
	}
	return d.feedback, nil
}

// handleRTCP parses one compound RTCP packet and acts on it (see
// handleFeedback); the reader goroutine does the same in two steps.
func (d *DownTrack) handleRTCP(raw []byte, now time.Time) error {
	if err := d.feedback.parse(raw); err != nil {
		return err
	}
	d.handleFeedback(d.feedback, now)
	return nil
}

// handleFeedback answers NACKs from the cache, passes PLIs and FIRs on, and
// takes loss, jitter and RTT from the report blocks about this track.
func (d *DownTrack) handleFeedback(f *rtcpFeedback, now time.Time) {
	b := d.bind.Load()
	if b == nil {
		return
	}
	for _, n := range f.nacks {
		if n.ssrc != b.ssrc {
			continue
		}
		d.nacks.Add(1)
		d.retransmit(b, n.pid, now)
		for i := range uint16(16) {
			if n.blp&(1<<i) != 0 {
				d.nacks.Add(1)
				d.retransmit(b, n.pid+i+1, now)
			}
		}
	}
	for _, ssrc := range f.plis {
		if ssrc == b.ssrc {
			d.plis.Add(1)
			d.keyframeRequested(now)
		}
	}
	// A FIR names its SSRCs in its entries; Pion hands this track only the
	// packets addressed to it, so any FIR is taken as for this track.
	for range f.firs {
		d.plis.Add(1)
		d.keyframeRequested(now)
	}
	for _, r := range f.reports {
		if r.ssrc == b.ssrc {
			d.onReceptionReport(r, now)
		}
	}
}

// keyframeRequested passes a subscriber's PLI/FIR to the publisher's layer it
// receives (or waits for).
func (d *DownTrack) keyframeRequested(now time.Time) {
	mono := monoNanos(now)
	l := d.cur.Load()
	if l == nil {
		l = d.wantLayer(mono)
	}
	if l != nil && !d.up.kindAudio {
		l.requestKeyframe(mono)
	}
}

func (d *DownTrack) onReceptionReport(r reportBlock, now time.Time) {
	d.fractionLost.Store(uint32(r.fractionLost))
	d.totalLost.Store(r.totalLost)
	if rate := d.up.clockRate; rate > 0 {
		d.jitterNanos.Store(int64(uint64(r.jitter) * uint64(time.Second) / uint64(rate)))
	}
	if r.lsr == 0 {
		return
	}
	// RFC 3550 6.4.1: RTT = arrival - LSR - DLSR, in 1/65536 s.
	rtt := ntpMiddle32(now) - r.lsr - r.dlsr
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
	if e == nil || e.rtxCount >= maxRetransmits || (e.lastRTX != 0 && mono-e.lastRTX < int64(rtxMinInterval)) {
		d.mu.Unlock()
		if e == nil {
			d.rtxMisses.Add(1)
		}
		return
	}
	e.lastRTX = mono
	e.rtxCount++
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
	if d.queueRTP(queuedRetransmit, b, &d.rtxHdr, payload) {
		return // counted once written
	}
	if _, err := b.writer.WriteRTP(&d.rtxHdr, payload); err != nil {
		d.writeErrors.Add(1)
		return
	}
	d.retransmits.Add(1)
}
