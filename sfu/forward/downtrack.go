package forward

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/rewrite"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// DownTrackConfig configures a DownTrack.
type DownTrackConfig struct {
	TrackID  string // the published track's SID; the subscriber sees it as the track id
	StreamID string // the publisher's participant SID (the MediaStream id)
	Logger   *slog.Logger
	// The target quality starts at QualityHigh (the highest available
	// layer); call SetTargetQuality to change it.
	//
	// Pinned forwards the layer of quality Layer and no other, even when it
	// stops (a relay carries each layer of a simulcast track on a DownTrack
	// of its own, package cascade: falling back to another layer would send
	// that layer twice).
	Pinned bool
	Layer  vocab.Quality
	// OnStall, if set, is called with true when the subscription is paused
	// because its transport did not take its packets in time (only with
	// UseWriteQueue, see stall.go), and with false when it resumes. It is
	// called on a media goroutine: it must return at once.
	OnStall func(stalled bool)
	// WrapWriter, if set, is given the writer Pion binds the DownTrack to
	// and returns the one it writes through (the subscriber connection's
	// own write path, package srtpout).
	WrapWriter func(webrtc.TrackLocalContext, webrtc.TrackLocalWriter) webrtc.TrackLocalWriter
}

// binding is what Bind learnt from the subscriber's PeerConnection, published
// whole so the hot path reads it with one atomic load.
type binding struct {
	ssrc    uint32
	pt      uint8
	rtxSSRC uint32 // 0 = no RTX: retransmit on the primary SSRC
	rtxPT   uint8
	ext     extIDs // the subscriber's extension ids
	twoByte bool
	writer  webrtc.TrackLocalWriter
	codec   webrtc.RTPCodecParameters
	// unwrapRED: the publisher sends RED, the subscriber takes plain Opus.
	unwrapRED bool
	// eventPT is the subscriber's telephone-event payload type at the codec's
	// clock rate (noEventPT: telephone events are not forwarded).
	eventPT int32
}

// DownTrack is one subscription to an UpTrack. It implements webrtc.TrackLocal:
// add it to the subscriber's PeerConnection, then call Start with the sender.
type DownTrack struct {
	up  *UpTrack
	cfg DownTrackConfig
	log *slog.Logger

	bind atomic.Pointer[binding]
	// pauseMu orders the pause transitions (the subscriber's and the
	// allocator's, on different goroutines); forward reads the flags alone.
	pauseMu sync.Mutex
	paused  atomic.Bool
	// beforeResync, set by tests, runs as a resume begins: a packet forwarded
	// there must be refused.
	beforeResync func()
	bwPaused     atomic.Bool                // paused by the bandwidth allocator, not the subscriber
	stalled      atomic.Bool                // paused because the writer queue was full (stall.go)
	queue        atomic.Pointer[writeQueue] // nil: written on the forwarding goroutine
	temporal     atomic.Int32               // highest temporal layer wanted (maxTemporal = all)
	target       atomic.Int32               // Quality wanted
	cur          atomic.Pointer[layer]      // layer forwarded; nil = waiting for a key frame
	closed       atomic.Bool
	srSink       atomic.Pointer[rtcpSink] // where sender reports go; nil until Start

	// Forwarding state, guarded by mu: packets of different layers arrive on
	// different goroutines, and retransmissions read the history.
	mu      sync.Mutex
	seq     rewrite.SeqTS
	vp8     rewrite.VP8
	vp9     rewrite.VP9
	hdr     rtp.Header
	scratch []byte
	hist    history
	// curTemporal is the temporal layer forwarded now; it follows temporal at
	// frame starts (down) and at layer-sync frames (up).
	curTemporal int32
	lastMarker  bool   // the last packet written ended a frame (padding may follow)
	lastSrcTS   uint32 // the publisher's timestamp of the last packet written
	lastReport  int64  // monoNanos of the last sender report sent; 0 = none
	// dropHook, when set (tests only), makes the forwarder skip writing the
	// packet with this outgoing sequence number, as if lost on the way.
	dropHook func(outSeq uint16) bool

	// RTCP goroutine.
	startOnce  sync.Once
	started    bool // set inside startOnce
	sender     *webrtc.RTPSender
	done       chan struct{}
	closeCh    chan struct{}
	wroteOnce  atomic.Bool
	firstWrite chan struct{}
	rtcpIn     []byte        // the subscriber's RTCP, read into it
	feedback   *rtcpFeedback // parsed from rtcpIn
	rtxIn      []byte
	rtxOut     []byte
	rtxPkt     rtp.Packet
	rtxHdr     rtp.Header
	rtxSeq     uint16
	rtxAbs     [3]byte
	rtxExt     extValues

	packets, bytes, nacks, retransmits, rtxMisses, plis, switches, writeErrors atomic.Uint64
	stalls                                                                     atomic.Uint64
	paddingPackets, paddingBytes                                               atomic.Uint64
	reportsSent                                                                atomic.Uint64
	fractionLost, totalLost                                                    atomic.Uint32
	rttNanos, jitterNanos                                                      atomic.Int64
}

var _ webrtc.TrackLocal = (*DownTrack)(nil)

// NewDownTrack returns a DownTrack for up and adds it to up's fan-out. Nothing
// is sent until Pion binds it (after negotiation of the subscriber's
// PeerConnection).
func NewDownTrack(up *UpTrack, cfg DownTrackConfig) *DownTrack {
	d := &DownTrack{
		up:         up,
		cfg:        cfg,
		log:        cfg.Logger,
		scratch:    make([]byte, maxPacketSize+8),
		hist:       newHistory(up.cacheSize),
		closeCh:    make(chan struct{}),
		done:       make(chan struct{}),
		firstWrite: make(chan struct{}),
		rtcpIn:     make([]byte, maxPacketSize),
		feedback:   newRTCPFeedback(),
		rtxIn:      make([]byte, maxPacketSize),
		rtxOut:     make([]byte, maxPacketSize+8),
	}
	if d.log == nil {
		d.log = up.log
	}
	d.log = d.log.With(slog.String("down_track", cfg.TrackID))
	d.target.Store(int32(vocab.QualityHigh))
	if cfg.Pinned {
		d.target.Store(int32(min(cfg.Layer, vocab.QualityHigh)))
	}
	d.temporal.Store(maxTemporal)
	d.curTemporal = maxTemporal
	d.seq.Init(up.clockRate)
	d.hdr.Extensions = make([]rtp.Extension, 0, 8)
	d.rtxPkt.Extensions = make([]rtp.Extension, 0, 16)
	d.rtxHdr.Extensions = make([]rtp.Extension, 0, 8)
	d.rtxSeq = uint16(time.Now().UnixNano())
	up.AddDownTrack(d)
	return d
}

// ID is the track id the subscriber sees: the published track's SID.
func (d *DownTrack) ID() string { return d.cfg.TrackID }

// StreamID is the publisher's participant SID.
func (d *DownTrack) StreamID() string { return d.cfg.StreamID }

// RID is empty: a DownTrack sends one stream.
func (d *DownTrack) RID() string { return "" }

// Kind is the media kind of the published track.
func (d *DownTrack) Kind() webrtc.RTPCodecType { return d.up.cfg.Kind }

// UpTrack returns the track this subscription forwards.
func (d *DownTrack) UpTrack() *UpTrack { return d.up }

// Bind is called by Pion when the subscriber's PeerConnection has negotiated
// the track: it picks the codec matching the publisher's and learns the
// SSRCs, payload types and header extension ids to write.
func (d *DownTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	if d.closed.Load() {
		return webrtc.RTPCodecParameters{}, ErrClosed
	}
	codecs := ctx.CodecParameters()
	codec, ok := matchCodec(codecs, d.up.cfg.Codec)
	unwrapRED := false
	if !ok && d.up.codec == codecRED {
		// The subscriber takes plain Opus: send the primary encodings.
		codec, ok = matchCodec(codecs, webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}})
		unwrapRED = ok
	}
	if !ok {
		return webrtc.RTPCodecParameters{}, fmt.Errorf("%w: %s", ErrCodecNotSupported, d.up.cfg.Codec.MimeType)
	}
	b := &binding{
		ssrc:      uint32(ctx.SSRC()),
		pt:        uint8(codec.PayloadType),
		ext:       newExtIDs(ctx.HeaderExtensions()),
		writer:    ctx.WriteStream(),
		codec:     codec,
		unwrapRED: unwrapRED,
		eventPT:   eventPayloadType(codecs, codec.ClockRate),
	}
	b.twoByte = !b.ext.oneByte()
	if d.cfg.WrapWriter != nil {
		b.writer = d.cfg.WrapWriter(ctx, b.writer)
	}
	if rtx := ctx.SSRCRetransmission(); rtx != 0 {
		if pt, ok := rtxPayloadType(codecs, codec.PayloadType); ok {
			b.rtxSSRC, b.rtxPT = uint32(rtx), uint8(pt)
		}
	}
	d.bind.Store(b)
	d.log.Debug("down track bound", slog.String("codec", codec.MimeType),
		slog.Uint64("ssrc", uint64(b.ssrc)), slog.Uint64("rtx_ssrc", uint64(b.rtxSSRC)))
	d.resync()
	return codec, nil
}

// Unbind is called by Pion when the sender stops.
func (d *DownTrack) Unbind(webrtc.TrackLocalContext) error {
	d.bind.Store(nil)
	return nil
}

// SetPaused stops (true) or resumes (false) sending. Nothing is sent while
// paused; on resume the sequence numbers continue without a gap and the
// timestamps jump by the time elapsed, from the next key frame.
func (d *DownTrack) SetPaused(paused bool) {
	d.setPause(&d.paused, paused)
}

// setPause sets one of the three pause flags (the subscriber's, the
// allocator's, a stall's). A resume forgets the layer
// forwarded before the flag is cleared, not after: a packet forwarded in
// between would be a frame whose predecessors the subscriber never got, with
// no sequence gap to tell it so (the sequence numbers continue).
func (d *DownTrack) setPause(flag *atomic.Bool, paused bool) {
	d.pauseMu.Lock()
	defer d.pauseMu.Unlock()
	if paused || !flag.Load() {
		flag.Store(paused)
		return
	}
	othersPaused := false
	for _, other := range [...]*atomic.Bool{&d.paused, &d.bwPaused, &d.stalled} {
		othersPaused = othersPaused || (other != flag && other.Load())
	}
	if !othersPaused { // else the stream stays paused: the resync waits for that resume
		if d.beforeResync != nil {
			d.beforeResync()
		}
		d.resync()
	}
	flag.Store(false)
}

// Paused reports whether the subscription is paused.
func (d *DownTrack) Paused() bool { return d.paused.Load() }

// SetTargetQuality chooses the simulcast layer to forward: the best available
// layer not above q. The switch happens at the next key frame of the new
// layer, which is requested from the publisher at once.
func (d *DownTrack) SetTargetQuality(q vocab.Quality) {
	if d.cfg.Pinned {
		return // its layer was chosen once
	}
	if q > vocab.QualityHigh {
		q = vocab.QualityHigh
	}
	d.target.Store(int32(q))
	if d.up.kindAudio {
		return
	}
	now := monoNanos(time.Now())
	if want := d.wantLayer(now); want != nil && want != d.cur.Load() {
		want.requestKeyframe(now)
	}
}

// TargetQuality returns the quality set by SetTargetQuality.
func (d *DownTrack) TargetQuality() vocab.Quality { return vocab.Quality(d.target.Load()) }

// resync makes the next forwarded packet start a new run (from a key frame
// for video) and asks for that key frame.
func (d *DownTrack) resync() {
	d.mu.Lock()
	d.cur.Store(nil)
	d.mu.Unlock()
	if d.up.kindAudio {
		return
	}
	now := monoNanos(time.Now())
	if want := d.wantLayer(now); want != nil {
		want.requestKeyframe(now)
	}
}

// Stats returns the subscription's counters.
func (d *DownTrack) Stats() DownStats {
	s := DownStats{
		Packets:          d.packets.Load(),
		Bytes:            d.bytes.Load(),
		NACKs:            d.nacks.Load(),
		Retransmits:      d.retransmits.Load(),
		RetransmitMisses: d.rtxMisses.Load(),
		PLIs:             d.plis.Load(),
		LayerSwitches:    d.switches.Load(),
		WriteErrors:      d.writeErrors.Load(),
		FractionLost:     float64(d.fractionLost.Load()) / 256,
		PacketsLost:      uint64(d.totalLost.Load()),
		RTT:              time.Duration(d.rttNanos.Load()),
		Jitter:           time.Duration(d.jitterNanos.Load()),
		Quality:          vocab.Quality(d.target.Load()),
		Target:           vocab.Quality(d.target.Load()),
		Temporal:         int(min(d.temporal.Load(), allTemporalFrom)), // 3 = every layer
		BandwidthPaused:  d.bwPaused.Load(),
		Stalled:          d.stalled.Load(),
		Stalls:           d.stalls.Load(),
		PaddingPackets:   d.paddingPackets.Load(),
		PaddingBytes:     d.paddingBytes.Load(),
		SenderReports:    d.reportsSent.Load(),
	}
	if l := d.cur.Load(); l != nil {
		s.Quality = l.quality
		s.Forwarding = !d.paused.Load() && !d.bwPaused.Load() && !d.stalled.Load()
	}
	return s
}

// Close stops forwarding and the RTCP goroutine, and waits for it. The RTCP
// goroutine also ends by itself when the sender stops (pc.RemoveTrack or
// pc.Close).
func (d *DownTrack) Close() {
	first := d.closed.CompareAndSwap(false, true)
	if first {
		d.up.RemoveDownTrack(d)
		d.bind.Store(nil)
		close(d.closeCh)
	}
	d.startOnce.Do(func() {}) // no Start after Close
	if first {
		d.mu.Lock() // a UseWriteQueue under way has stored its queue
		d.mu.Unlock()
		d.stopWriter()
	}
	if !d.started {
		return
	}
	// Once a packet was written the SRTCP read stream exists and a deadline
	// unblocks the reader; before that the reader waits on firstWrite or
	// closeCh.
	if d.wroteOnce.Load() {
		_ = d.sender.SetReadDeadline(time.Now())
	}
	<-d.done
}

// wantLayer is the layer the DownTrack should forward: its pinned layer, or
// the best available one not above its target.
func (d *DownTrack) wantLayer(now int64) *layer {
	if d.cfg.Pinned {
		return d.up.slots[d.target.Load()].Load()
	}
	return d.up.desiredLayer(vocab.Quality(d.target.Load()), now)
}
