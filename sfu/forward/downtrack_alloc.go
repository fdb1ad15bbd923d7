package forward

import (
	"time"

	"github.com/pion/rtp"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// maxTemporal is the highest temporal layer id the forwarder tells apart:
// VP8 TIDs have two bits, VP9 TIDs three; AV1 ids above it are taken as it.
const maxTemporal = 7

// allTemporalFrom: SetTargetTemporal with this or more means every layer
// (VP8's highest TID is 3, and no WebRTC encoder uses more than four layers).
const allTemporalFrom = 3

// SetBandwidthPaused stops (true) or resumes (false) forwarding because the
// subscriber's bandwidth does not fit even the lowest layer. It is separate
// from SetPaused (the subscriber's own wish): either one stops the stream. On
// resume the stream continues without a sequence gap from the next key frame.
func (d *DownTrack) SetBandwidthPaused(paused bool) {
	d.setPause(&d.bwPaused, paused)
}

// BandwidthPaused reports whether the allocator paused the subscription.
func (d *DownTrack) BandwidthPaused() bool { return d.bwPaused.Load() }

// SetTargetTemporal chooses the highest temporal layer to forward (0 = base
// layer only: the lowest frame rate; 3 or more = every layer). Lowering takes
// effect at the next frame; raising at the next frame a decoder can switch up
// at: a key frame, a VP8 layer-sync frame, a VP9 switching-up point (U) or an
// AV1 base-layer frame. VP8 and VP9 carry the layer in their payload
// descriptor, AV1 in the dependency descriptor header extension; streams
// without either (H.264, AV1 without the extension) ignore it.
func (d *DownTrack) SetTargetTemporal(tid int) {
	if tid >= allTemporalFrom {
		tid = maxTemporal
	}
	d.temporal.Store(int32(max(tid, 0)))
}

// CurrentQuality returns the layer being forwarded; false while waiting for
// a key frame or paused.
func (d *DownTrack) CurrentQuality() (vocab.Quality, bool) {
	l := d.cur.Load()
	if l == nil || d.paused.Load() || d.bwPaused.Load() {
		return 0, false
	}
	return l.quality, true
}

// paddingSize is the payload size of a probing padding packet (RTP padding
// holds at most 255 bytes: several are sent for a larger probe).
const paddingSize = 255

// WritePadding sends up to n padding-only packets (255 bytes of padding
// each) on the subscriber's stream, to probe whether its link carries more
// before the allocator switches it up. They take the next sequence numbers
// and the timestamp of the last frame, and are sent only between frames, so
// that the receiver's jitter buffer discards them whole. It returns the bytes
// sent. Not for the media path: the allocator calls it a few times a second.
func (d *DownTrack) WritePadding(n int) int {
	b := d.bind.Load()
	// A track paused for bandwidth may carry padding: it is how a subscriber
	// whose every video is paused gets probed (see finishesFrame).
	if b == nil || n <= 0 || d.up.kindAudio || d.paused.Load() || d.stalled.Load() {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur.Load() == nil || !d.lastMarker {
		return 0
	}
	// Pion's SRTP writer appends PaddingSize bytes (the last one holding the
	// count) after the empty payload.
	hdr := rtp.Header{Version: 2, Padding: true, PaddingSize: paddingSize, PayloadType: b.pt, SSRC: b.ssrc}
	var ext extValues
	var abs [3]byte
	putAbsSendTime(&abs, time.Now())
	ext[extAbsSendTime] = abs[:]
	sent := 0
	for range n {
		seq, ts, ok := d.seq.Insert()
		if !ok {
			break
		}
		hdr.SequenceNumber, hdr.Timestamp = seq, ts
		remapExtensions(&hdr, &ext, &b.ext, b.twoByte)
		if d.queueRTP(queuedPadding, b, &hdr, nil) {
			if d.stalled.Load() {
				break
			}
		} else if _, err := b.writer.WriteRTP(&hdr, nil); err != nil {
			d.writeErrors.Add(1)
			break
		}
		sent += hdr.MarshalSize() + paddingSize
		d.paddingPackets.Add(1)
	}
	d.paddingBytes.Add(uint64(sent))
	return sent
}
