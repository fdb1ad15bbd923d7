package forward

import (
	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/ensemble-sfu/ensemble/sfu/rewrite"
)

// forward writes one received packet to the subscriber, if it belongs to the
// layer this subscription forwards (or is the key frame to switch to). It is
// called on the layer's reader goroutine and must not allocate or block on
// anything but the write itself.
func (d *DownTrack) forward(p *inPacket) {
	if d.paused.Load() || d.stalled.Load() || (d.bwPaused.Load() && !d.finishesFrame(p)) {
		return
	}
	b := d.bind.Load()
	if b == nil {
		return
	}
	if p.layer != d.cur.Load() {
		// Not the layer being forwarded: only the wanted layer's key frame
		// is of interest, to switch to it.
		want := d.wantLayer(p.arrival)
		if p.layer != want {
			return
		}
		if !p.keyframe {
			want.requestKeyframe(p.arrival)
			return
		}
	}

	d.mu.Lock()
	sr, due := d.forwardLocked(p, b)
	d.mu.Unlock()
	if due && !d.queueReport(&sr) {
		d.sendReport(sr)
	}
}

// finishesFrame tells whether p is the rest of the frame the subscriber was
// being sent when the allocator paused it: that frame is finished, so the
// subscriber never holds a truncated frame, and probing padding, which may
// only follow the end of a frame, can then be sent on the paused track (a
// subscriber whose every video is paused has no other way to show that its
// link recovered).
func (d *DownTrack) finishesFrame(p *inPacket) bool {
	if p.layer != d.cur.Load() {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.lastMarker && p.pkt.Timestamp == d.lastSrcTS
}

// forwardLocked rewrites and writes p (d.mu held), and returns the sender report
// that is due, if any, to be sent once d.mu is released.
func (d *DownTrack) forwardLocked(p *inPacket, b *binding) (rtcp.SenderReport, bool) {
	if cur := d.cur.Load(); p.layer != cur {
		if !p.keyframe {
			return rtcp.SenderReport{}, false // raced with a resync: wait for the next key frame
		}
		if len(p.pkt.Payload) == 0 {
			return rtcp.SenderReport{}, false
		}
		d.cur.Store(p.layer)
		d.seq.Rebase()
		d.vp8.Rebase()
		d.vp9.Rebase()
		d.switches.Add(1)
		d.curTemporal = d.temporal.Load() // a key frame is a sync point for every temporal layer
	}
	if p.temporal.known && d.dropTemporal(p) {
		// A frame of a temporal layer above the subscriber's: close the gap
		// it leaves in sequence numbers and (VP8) picture IDs. VP9 picture
		// IDs keep theirs: see rewrite.VP9.
		if !d.seq.Skip(p.pkt.SequenceNumber) {
			return rtcp.SenderReport{}, false
		}
		if p.hasVP8 {
			d.vp8.Drop(&p.vp8)
		}
		return rtcp.SenderReport{}, false
	}
	if p.event && b.eventPT == noEventPT {
		d.seq.Skip(p.pkt.SequenceNumber) // no gap: the subscriber never knew it
		return rtcp.SenderReport{}, false
	}
	payload := p.pkt.Payload
	if b.unwrapRED && !p.event {
		var ok bool
		if payload, ok = redPrimary(payload); !ok {
			payload = nil
		}
	}
	if len(payload) == 0 {
		// Padding only (bandwidth probing by the publisher), or nothing left
		// of a RED packet: nothing for the subscriber, and no gap either.
		d.seq.Skip(p.pkt.SequenceNumber)
		return rtcp.SenderReport{}, false
	}
	outSeq, outTS, ok := d.seq.Rewrite(p.pkt.SequenceNumber, p.pkt.Timestamp, p.arrival)
	if !ok {
		return rtcp.SenderReport{}, false
	}
	e := sentPacket{layer: p.layer, srcSeq: p.pkt.SequenceNumber, outSeq: outSeq, outTS: outTS, event: p.event}
	if p.hasVP8 && (p.vp8.HasPictureID || p.vp8.HasTL0PICIDX) {
		e.pictureID, e.tl0picidx = d.vp8.Rewrite(&p.vp8)
		e.vp8 = true
		unchanged := (!p.vp8.HasPictureID || (p.vp8.WidePictureID && p.vp8.PictureID == e.pictureID)) &&
			(!p.vp8.HasTL0PICIDX || p.vp8.TL0PICIDX == e.tl0picidx)
		if !unchanged { // else the source's descriptor is already right: no copy
			n, err := rewrite.WriteVP8(d.scratch, payload, &p.vp8, e.pictureID, e.tl0picidx)
			if err != nil {
				return rtcp.SenderReport{}, false
			}
			payload = d.scratch[:n]
		}
	}
	if p.hasVP9 && (p.vp9.HasPictureID || p.vp9.HasTL0PICIDX) {
		e.pictureID, e.tl0picidx = d.vp9.Rewrite(&p.vp9)
		e.vp9 = true
		unchanged := (!p.vp9.HasPictureID || (p.vp9.WidePictureID && p.vp9.PictureID == e.pictureID)) &&
			(!p.vp9.HasTL0PICIDX || p.vp9.TL0PICIDX == e.tl0picidx)
		if !unchanged {
			n, err := rewrite.WriteVP9(d.scratch, payload, &p.vp9, e.pictureID, e.tl0picidx)
			if err != nil {
				return rtcp.SenderReport{}, false
			}
			payload = d.scratch[:n]
		}
	}
	d.hist.record(e)
	fillHeader(&d.hdr, b, &p.pkt.Header, &p.ext, outSeq, outTS)
	if p.event {
		d.hdr.PayloadType = uint8(b.eventPT)
	}
	if d.dropHook != nil && d.dropHook(outSeq) {
		return rtcp.SenderReport{}, false
	}
	d.write(b, p, payload)
	if !d.wroteOnce.Load() {
		return rtcp.SenderReport{}, false
	}
	return d.reportDue(p, outTS)
}

// write sends one packet (d.hdr and payload), or queues it for the writer
// goroutine (stall.go), and counts it. Callers hold d.mu.
func (d *DownTrack) write(b *binding, p *inPacket, payload []byte) {
	if q := d.queue.Load(); q != nil {
		if !q.putRTP(queuedMedia, b, &d.hdr, payload, p.layer, p.arrival) {
			d.stall()
			return
		}
	} else {
		n, err := b.writer.WriteRTP(&d.hdr, payload)
		if !d.wrote(n, err, d.hdr.MarshalSize()+len(payload), p.layer, p.arrival) {
			return
		}
	}
	d.lastMarker = d.hdr.Marker
	d.lastSrcTS = p.pkt.Timestamp
}

// wrote counts one media packet of size bytes written from layer l, with
// what the writer returned: false if it was not sent. Callers hold d.mu if
// the DownTrack never wrote yet (it may forget the layer forwarded).
func (d *DownTrack) wrote(n int, err error, size int, l *layer, arrival int64) bool {
	if err != nil {
		d.writeErrors.Add(1)
		return false
	}
	if !d.wroteOnce.Load() {
		if n == 0 {
			// Pion drops packets until the subscriber's transport is up.
			// Start again from a key frame once it is, rather than leave the
			// subscriber with delta frames it cannot decode.
			d.cur.Store(nil)
			if !d.up.kindAudio {
				l.requestKeyframe(arrival)
			}
			return false
		}
		if d.wroteOnce.CompareAndSwap(false, true) {
			close(d.firstWrite)
		}
	}
	d.packets.Add(1)
	d.bytes.Add(uint64(size))
	return true
}

// fillHeader builds the subscriber's header for a packet with source header
// src: the subscriber's SSRC and payload type, the rewritten sequence number
// and timestamp, and the extensions it negotiated under its ids.
func fillHeader(dst *rtp.Header, b *binding, src *rtp.Header, ext *extValues, seq uint16, ts uint32) {
	dst.Version = 2
	dst.Padding = false
	dst.PaddingSize = 0
	dst.Marker = src.Marker
	dst.PayloadType = b.pt
	dst.SequenceNumber = seq
	dst.Timestamp = ts
	dst.SSRC = b.ssrc
	dst.CSRC = nil
	remapExtensions(dst, ext, &b.ext, b.twoByte)
}
