package forward

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"

	"github.com/ensemble-sfu/ensemble/sfu/packetcache"
	"github.com/ensemble-sfu/ensemble/sfu/rewrite"
	"github.com/ensemble-sfu/ensemble/vocab"
)

const (
	// pliInterval is the least time between two keyframe requests sent to
	// the publisher for one layer; a request that comes sooner is dropped.
	pliInterval = 500 * time.Millisecond
	// layerTimeout: a layer with no packet for this long is considered gone
	// (the publisher stopped sending it), and subscribers fall back to
	// another.
	layerTimeout = 2 * time.Second
	// maxPacketSize bounds one RTP packet read from the network.
	maxPacketSize = packetcache.MaxPacketSize
	// maxLossGap: a forward jump of the sequence number larger than this is
	// a restart of the numbering, not a loss.
	maxLossGap = 1000
)

// rtpReader is what a layer reads packets from: a *webrtc.TrackRemote.
type rtpReader interface {
	Read(b []byte) (int, interceptor.Attributes, error)
	SetReadDeadline(t time.Time) error
}

// inPacket is one received packet with what was learnt about it once, for all
// the DownTracks it is fanned out to. Each layer owns one, reused.
type inPacket struct {
	layer       *layer
	pkt         rtp.Packet
	arrival     int64 // monoNanos
	wall        time.Time
	keyframe    bool
	event       bool // a telephone event, not media of the track's codec
	hasVP8      bool
	vp8         rewrite.VP8Descriptor
	hasVP9      bool
	vp9         rewrite.VP9Descriptor
	temporal    temporalInfo
	absSendTime [3]byte
	ext         extValues
}

// layer is one received RTP stream (one simulcast layer, or the only stream
// of a track) with its packet cache and reader goroutine.
type layer struct {
	up        *UpTrack
	quality   vocab.Quality
	rid       string
	ssrc      uint32
	clockRate uint32
	reader    rtpReader
	rtcp      rtcpSource // zero when the layer has no receiver (tests)
	cache     *packetcache.Cache
	ext       extIDs // the publisher's extension ids
	// audioLevelID is the RFC 6464 extension id of this stream: from its
	// receiver's negotiation (it may change when the publisher reconnects),
	// else UpTrackConfig.AudioLevelExtID.
	audioLevelID uint8
	done         chan struct{}
	// dd is the latest AV1 template dependency structure of this stream,
	// owned by the reader goroutine.
	dd ddStructure

	report      atomic.Pointer[pubReport] // the publisher's last sender report
	lastArrival atomic.Int64              // monoNanos of the last packet; 0 = none yet
	lastPLI     atomic.Int64              // monoNanos of the last keyframe request; 0 = none
	stopping    atomic.Bool

	packets, bytes, lost, malformed atomic.Uint64
	jitterNanos                     atomic.Int64
	rate                            layerRate

	// Owned by the reader goroutine.
	buf         []byte
	in          inPacket
	seqStarted  bool
	highestSeq  int64
	prevTransit uint32
	jitter      float64 // in timestamp units, RFC 3550 A.8
}

func newLayer(up *UpTrack, reader rtpReader, quality vocab.Quality, rid string, ssrc uint32, ext extIDs) *layer {
	l := &layer{
		up:        up,
		quality:   quality,
		rid:       rid,
		ssrc:      ssrc,
		clockRate: up.clockRate,
		reader:    reader,
		cache:     packetcache.New(up.cacheSize),
		ext:       ext,
		done:      make(chan struct{}),
		buf:       make([]byte, maxPacketSize),
	}
	l.in.layer = l
	l.audioLevelID = up.cfg.AudioLevelExtID
	if id := ext[extAudioLevel]; id != 0 {
		l.audioLevelID = id
	}
	l.in.pkt.Extensions = make([]rtp.Extension, 0, 16)
	return l
}

// run reads packets until the stream ends or stop is called.
func (l *layer) run() {
	defer close(l.done)
	failures := 0
	for {
		n, _, err := l.reader.Read(l.buf)
		if err != nil {
			if l.stopping.Load() || errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) ||
				errors.Is(err, os.ErrDeadlineExceeded) {
				return
			}
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				return
			}
			// A packet Pion could not take (unknown payload type, ...):
			// skip it, unless the stream is broken for good.
			l.malformed.Add(1)
			if failures++; failures > 100 {
				l.up.log.Warn("stopping layer reader after repeated read errors",
					slog.String("rid", l.rid), slog.Any("error", err))
				return
			}
			continue
		}
		failures = 0
		l.handle(l.buf[:n], time.Now())
	}
}

// stop ends the reader goroutine: Read returns at once once the deadline has
// passed.
func (l *layer) stop() {
	l.stopping.Store(true)
	if l.reader != nil {
		_ = l.reader.SetReadDeadline(time.Now())
	}
	if l.rtcp.receiver != nil {
		_ = l.rtcp.setReadDeadline(time.Now())
	}
}

// handle processes one packet: the media hot path.
func (l *layer) handle(raw []byte, now time.Time) {
	p := &l.in
	if err := p.pkt.Unmarshal(raw); err != nil {
		l.malformed.Add(1)
		return
	}
	mono := monoNanos(now)
	l.packets.Add(1)
	l.bytes.Add(uint64(len(raw)))
	l.lastArrival.Store(mono)
	l.rate.add(len(raw), mono)
	l.trackArrival(p.pkt.SequenceNumber, p.pkt.Timestamp, mono)
	l.cache.Store(p.pkt.SequenceNumber, raw)

	up := l.up
	if l.audioLevelID != 0 && up.cfg.OnAudioLevel != nil && p.pkt.Extension {
		if v := p.pkt.GetExtension(l.audioLevelID); len(v) > 0 {
			up.cfg.OnAudioLevel(v[0]&0x7f, v[0]&0x80 != 0)
		}
	}
	if up.muted.Load() {
		return
	}
	downs := up.downs.Load()
	if downs == nil || len(*downs) == 0 {
		return
	}

	p.arrival = mono
	p.wall = now
	p.event = up.kindAudio && int32(p.pkt.PayloadType) == up.eventPT.Load()
	p.hasVP8, p.hasVP9 = false, false
	p.temporal = temporalInfo{}
	putAbsSendTime(&p.absSendTime, now)
	readExtensions(&p.ext, &p.pkt.Header, &l.ext, p.absSendTime[:])
	switch up.codec {
	case codecVP8:
		d, err := rewrite.ParseVP8(p.pkt.Payload)
		p.hasVP8 = err == nil
		p.vp8 = d
		p.keyframe = err == nil && d.Keyframe
		if p.hasVP8 {
			p.temporal = vp8TemporalInfo(&d)
		}
	case codecVP9:
		d, err := rewrite.ParseVP9(p.pkt.Payload)
		p.hasVP9 = err == nil
		p.vp9 = d
		p.keyframe = err == nil && d.Keyframe()
		if p.hasVP9 {
			p.temporal = vp9TemporalInfo(&d)
		}
	case codecAV1:
		p.keyframe = isKeyframe(up.codec, p.pkt.Payload)
		p.temporal = l.av1Temporal(p.ext[extDependencyDescriptor], &p.keyframe)
	default:
		p.keyframe = up.kindAudio || isKeyframe(up.codec, p.pkt.Payload)
	}
	if p.temporal.known && p.temporal.tid > 0 && !up.temporal.Load() {
		up.temporal.Store(true)
	}

	for _, d := range *downs {
		d.forward(p)
	}
}

// trackArrival updates loss and jitter (RFC 3550 A.8) for one packet.
func (l *layer) trackArrival(seq uint16, ts uint32, mono int64) {
	arrivalTS := uint32(uint64(mono/1000) * uint64(l.clockRate) / 1_000_000)
	transit := arrivalTS - ts
	if !l.seqStarted {
		l.seqStarted = true
		l.highestSeq = 1<<16 + int64(seq)
		l.prevTransit = transit
		return
	}
	ext := l.highestSeq + int64(int16(seq-uint16(l.highestSeq)))
	switch {
	case ext > l.highestSeq:
		if gap := ext - l.highestSeq - 1; gap > 0 && gap <= maxLossGap {
			l.lost.Add(uint64(gap))
		}
		l.highestSeq = ext
	case ext < l.highestSeq:
		// A late or retransmitted packet fills a gap counted as lost.
		if l.lost.Load() > 0 {
			l.lost.Add(^uint64(0))
		}
		return
	}
	d := int32(transit - l.prevTransit)
	l.prevTransit = transit
	if d < 0 {
		d = -d
	}
	l.jitter += (float64(d) - l.jitter) / 16
	l.jitterNanos.Store(int64(l.jitter * float64(time.Second) / float64(l.clockRate)))
}

// live reports whether the layer received a packet recently.
func (l *layer) live(now int64) bool {
	last := l.lastArrival.Load()
	return last != 0 && now-last < int64(layerTimeout)
}

// requestKeyframe asks the publisher for a key frame on this layer, at most
// once per pliInterval; the first request always goes through.
func (l *layer) requestKeyframe(now int64) {
	last := l.lastPLI.Load()
	if last != 0 && now-last < int64(pliInterval) {
		return
	}
	if !l.lastPLI.CompareAndSwap(last, now) {
		return
	}
	l.up.plisSent.Add(1)
	if f := l.up.cfg.SendPLI; f != nil {
		f(l.ssrc)
	}
}
