package forward

import (
	"log/slog"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// A DownTrack writes on the goroutine that forwards: the publisher layer's
// reader, which fans every packet out to all the subscribers of the layer.
// That is cheapest (no hand-over, no wake-up per packet and subscriber) and
// safe while writes cannot block: over UDP they end in sfu/udpbatch's queue.
// A subscriber over TCP (ICE-TCP, TURN over TCP) can block a write for as
// long as it does not read its socket, and with it every other subscriber of
// the layer. For those, package sfu calls UseWriteQueue: the DownTrack's
// packets then go through a bounded queue (writequeue.go) to a writer
// goroutine of its own. When the queue is full the subscription is stalled:
// nothing more is queued (the forwarder drops its packets, like those of a
// paused one), OnStall(true) tells package sfu, which tells the participant;
// once the writer has emptied the queue, the stall ends like any pause, from
// the next key frame (requested), and OnStall(false) is called. A link that
// is slow rather than stuck stalls again soon after: each resume costs a key
// frame, which every subscriber of the layer receives, so a stall within
// stallRecent of the last resume waits before it ends, twice as long each
// time (stallBackoffMin up to stallBackoffMax).

const (
	stallRecent     = 10 * time.Second
	stallBackoffMin = 500 * time.Millisecond
	stallBackoffMax = 4 * time.Second
)

// UseWriteQueue makes the DownTrack write through a queue and a writer
// goroutine of its own, for a transport whose writes can block. It is for
// good (a later switch back to UDP keeps the queue: correct, one hand-over
// per packet dearer), and does nothing after Close. The goroutine ends with
// Close.
func (d *DownTrack) UseWriteQueue() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed.Load() || d.queue.Load() != nil {
		return
	}
	q := newWriteQueue(writeQueueSize)
	d.queue.Store(q)
	d.log.Debug("down track writes through a queue")
	go d.runWriter(q)
}

// Stalled reports whether the subscription is paused because its transport
// did not take its packets in time.
func (d *DownTrack) Stalled() bool { return d.stalled.Load() }

// stall pauses the subscription: its queue is full. It may be called with
// d.mu held: it only sets the flag (a pause needs no ordering with the
// other pause flags, see setPause) and tells package sfu.
func (d *DownTrack) stall() {
	if !d.stalled.CompareAndSwap(false, true) {
		return
	}
	d.stalls.Add(1)
	if d.cfg.OnStall != nil {
		d.cfg.OnStall(true)
	}
}

// unstall ends a stall once the queue is empty: forwarding resumes from the
// next key frame, as after any pause.
func (d *DownTrack) unstall() {
	if !d.stalled.Load() || d.closed.Load() {
		return
	}
	d.setPause(&d.stalled, false)
	d.log.Debug("down track resumes after a stall")
	if d.cfg.OnStall != nil {
		d.cfg.OnStall(false)
	}
}

// runWriter writes what is queued, in order, until Close.
func (d *DownTrack) runWriter(q *writeQueue) {
	defer close(q.done)
	var hdr rtp.Header
	hdr.Extensions = make([]rtp.Extension, 0, 16)
	for {
		select {
		case <-q.wake:
		case <-d.closeCh:
			return
		}
		for s := q.oldest(); s != nil; s = q.oldest() {
			q.writing.Store(true)
			if d.closed.Load() { // after writing is set: see stopWriter
				return
			}
			d.writeQueued(s, &hdr)
			q.writing.Store(false)
			q.release()
		}
		if !d.stalled.Load() {
			continue
		}
		if wait := q.nextBackoff(monoNanos(time.Now())); wait > 0 {
			select {
			case <-q.after(wait):
			case <-d.closeCh:
				return
			}
		}
		d.unstall()
		q.lastResume = monoNanos(time.Now())
	}
}

// nextBackoff is how long a stall whose queue has drained waits before it
// ends: nothing, unless the last one ended less than stallRecent ago.
func (q *writeQueue) nextBackoff(now int64) time.Duration {
	if q.lastResume == 0 || now-q.lastResume >= int64(stallRecent) {
		q.backoff = 0
		return 0
	}
	q.backoff = min(max(2*q.backoff, stallBackoffMin), stallBackoffMax)
	return q.backoff
}

// writeQueued writes one queued packet and counts it as the direct write
// would have.
func (d *DownTrack) writeQueued(s *queuedPacket, hdr *rtp.Header) {
	if s.kind == queuedReport {
		d.sendReport(s.report)
		return
	}
	n, err := hdr.Unmarshal(s.buf[:s.size])
	if err != nil {
		d.writeErrors.Add(1)
		return
	}
	hdr.PaddingSize = s.paddingSize
	payload := s.buf[n:s.size]
	written, err := s.b.writer.WriteRTP(hdr, payload)
	switch s.kind {
	case queuedMedia:
		if !d.wroteOnce.Load() && err == nil && written == 0 {
			d.mu.Lock() // it forgets the layer forwarded: as forwardLocked would
			d.wrote(written, err, s.size, s.layer, s.arrival)
			d.mu.Unlock()
			return
		}
		d.wrote(written, err, s.size, s.layer, s.arrival)
	case queuedRetransmit:
		if err != nil {
			d.writeErrors.Add(1)
			return
		}
		d.retransmits.Add(1)
	case queuedPadding: // counted when queued, by WritePadding
		if err != nil {
			d.writeErrors.Add(1)
		}
	}
}

// queueRTP hands a packet other than media (a retransmission, padding) to
// the writer queue if the DownTrack has one: true when it did (or dropped
// the packet because the subscription is stalled), false when the caller
// writes it itself.
func (d *DownTrack) queueRTP(kind queuedKind, b *binding, hdr *rtp.Header, payload []byte) bool {
	q := d.queue.Load()
	if q == nil {
		return false
	}
	if d.stalled.Load() || !q.putRTP(kind, b, hdr, payload, nil, 0) {
		d.stall()
	}
	return true
}

// queueReport is queueRTP for a sender report.
func (d *DownTrack) queueReport(sr *rtcp.SenderReport) bool {
	q := d.queue.Load()
	if q == nil {
		return false
	}
	if !d.stalled.Load() && !q.putReport(sr) {
		d.stall()
	}
	return true
}

// stopWriter ends the writer goroutine, if any, once closed is set and
// closeCh closed: it waits for it unless it is inside a write. That write
// may be blocked in the transport for as long as the subscriber does not
// read, and package sfu closes a DownTrack it unsubscribes before the
// connection (with the connection's lock held); the goroutine then ends as
// soon as the write returns, at the latest when the connection closes (Pion
// closes the TCP connection with the PeerConnection, which fails the write).
func (d *DownTrack) stopWriter() {
	q := d.queue.Load()
	if q == nil {
		return
	}
	if q.writing.Load() {
		d.log.Debug("down track closed during a write; its writer ends with the write",
			slog.Int("queued", q.queued()))
		return
	}
	<-q.done
}
