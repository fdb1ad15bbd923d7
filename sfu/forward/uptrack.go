package forward

import (
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Default packet cache sizes, in packets: about one second of high-rate video,
// several seconds of audio.
const (
	defaultVideoCacheSize = 1024
	defaultAudioCacheSize = 256
)

// UpTrackConfig configures an UpTrack.
type UpTrackConfig struct {
	TrackSID string
	Kind     webrtc.RTPCodecType
	// Codec is the publisher's negotiated codec (remote.Codec() in OnTrack).
	Codec webrtc.RTPCodecParameters
	// SendPLI asks the publisher for a key frame of the layer with this
	// SSRC. The UpTrack already limits calls to one per 500 ms per layer. It
	// may be called from the media path, so it must not block for long.
	SendPLI func(mediaSSRC uint32)
	// AudioLevelExtID is the negotiated RFC 6464 header extension id (0 =
	// none). OnAudioLevel receives each packet's level (0..127 -dBov: 0 is
	// loudest, 127 silence) and voice activity flag. It is called on the
	// media path: it must be cheap and must not block.
	AudioLevelExtID uint8
	OnAudioLevel    func(level uint8, voice bool)
	// Layers maps the publisher's RIDs to qualities. RIDs not listed are
	// guessed ("q"/"l"/"0" low, "h"/"m"/"1" medium, others high).
	Layers []LayerSpec
	// HeaderExtensions are the publisher's negotiated header extensions,
	// used when AddLayer has no RTPReceiver to read them from.
	HeaderExtensions []webrtc.RTPHeaderExtensionParameter
	// CacheSize is the number of packets kept per layer for retransmission
	// (0 = 1024 for video, 256 for audio).
	CacheSize int
	Logger    *slog.Logger
}

// UpTrack is one published track received from a publisher: one to three
// simulcast layers, each read by its own goroutine and fanned out to the
// DownTracks.
type UpTrack struct {
	cfg       UpTrackConfig
	log       *slog.Logger
	codec     codecKind
	kindAudio bool
	clockRate uint32
	cacheSize int

	// slots holds the current layer of each quality; read per packet.
	slots [numQualities]atomic.Pointer[layer]
	// downs is the fan-out set, replaced whole on change (copy on write) so
	// that the readers never lock.
	downs    atomic.Pointer[[]*DownTrack]
	muted    atomic.Bool
	plisSent atomic.Uint64
	temporal atomic.Bool // frames with a temporal id above 0 were seen
	// eventPT is the publisher's telephone-event payload type (noEventPT: none),
	// from the last layer's negotiation.
	eventPT atomic.Int32

	mu     sync.Mutex // serialises changes to layers and downs
	layers []*layer   // every layer started, to stop and wait for
	closed bool
	wg     sync.WaitGroup
}

// NewUpTrack returns an UpTrack with no layer yet.
func NewUpTrack(cfg UpTrackConfig) *UpTrack {
	u := &UpTrack{
		cfg:       cfg,
		log:       cfg.Logger,
		codec:     codecFromMime(cfg.Codec.MimeType),
		kindAudio: cfg.Kind == webrtc.RTPCodecTypeAudio,
		clockRate: cfg.Codec.ClockRate,
		cacheSize: cfg.CacheSize,
	}
	if u.log == nil {
		u.log = slog.Default()
	}
	u.log = u.log.With(slog.String("track", cfg.TrackSID))
	if u.clockRate == 0 {
		u.clockRate = 90000
		if u.kindAudio {
			u.clockRate = 48000
		}
	}
	if u.cacheSize == 0 {
		u.cacheSize = defaultVideoCacheSize
		if u.kindAudio {
			u.cacheSize = defaultAudioCacheSize
		}
	}
	empty := []*DownTrack{}
	u.downs.Store(&empty)
	u.eventPT.Store(noEventPT)
	return u
}

// TrackSID returns the track's SID.
func (u *UpTrack) TrackSID() string { return u.cfg.TrackSID }

// Kind returns the track's media kind.
func (u *UpTrack) Kind() webrtc.RTPCodecType { return u.cfg.Kind }

// Codec returns the publisher's codec.
func (u *UpTrack) Codec() webrtc.RTPCodecParameters { return u.cfg.Codec }

// AddLayer starts reading one received stream: a simulcast layer (RID from
// remote.RID()) or the only stream of the track (RID ""). Call it from
// OnTrack. A layer of the same quality that was added before (a publisher
// that reconnected) is replaced and its reader stopped; subscribers move to
// the new stream at its next key frame and see no break in numbering.
func (u *UpTrack) AddLayer(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	exts := u.cfg.HeaderExtensions
	if receiver != nil {
		params := receiver.GetParameters()
		exts = params.HeaderExtensions
		if u.kindAudio {
			u.eventPT.Store(eventPayloadType(params.Codecs, u.clockRate))
		}
	}
	var src rtcpSource
	if receiver != nil {
		src = rtcpSource{receiver: receiver, rid: remote.RID()}
	}
	u.addLayer(remote, remote.RID(), uint32(remote.SSRC()), exts, src)
}

// addLayer is AddLayer on any packet source, for tests.
func (u *UpTrack) addLayer(reader rtpReader, rid string, ssrc uint32,
	exts []webrtc.RTPHeaderExtensionParameter, src rtcpSource,
) *layer {
	q := vocab.QualityHigh
	if rid != "" {
		q = qualityForRID(rid, u.cfg.Layers)
	}
	ids := newExtIDs(exts)
	if u.codec != codecAV1 {
		// Only AV1 relies on the dependency descriptor. A browser that negotiated it
		// sends it with VP8 and VP9 too, but one describing each simulcast encoder
		// apart: passed through a layer switch, its frame numbers and templates
		// would jump and mislead the receiver. Those codecs carry their layers in
		// their payload descriptors, which the forwarder rewrites.
		ids[extDependencyDescriptor] = 0
	}
	l := newLayer(u, reader, q, rid, ssrc, ids)
	l.rtcp = src

	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		u.log.Debug("layer added to a closed track", slog.String("rid", rid))
		return nil
	}
	old := u.slots[q].Swap(l)
	u.layers = append(u.layers, l)
	u.wg.Add(1)
	if src.receiver != nil {
		u.wg.Add(1)
	}
	u.mu.Unlock()

	if old != nil {
		old.stop()
	}
	go func() {
		defer u.wg.Done()
		l.run()
	}()
	if src.receiver != nil {
		go func() {
			defer u.wg.Done()
			l.readRTCP(src)
		}()
	}
	u.log.Debug("layer added", slog.String("rid", rid), slog.String("quality", q.String()),
		slog.Uint64("ssrc", uint64(ssrc)))
	// Subscribers waiting for this quality need a key frame from it.
	u.requestKeyframeFor(q)
	return l
}

// AddDownTrack starts forwarding to d.
func (u *UpTrack) AddDownTrack(d *DownTrack) {
	u.mu.Lock()
	defer u.mu.Unlock()
	cur := *u.downs.Load()
	if slices.Contains(cur, d) {
		return
	}
	next := make([]*DownTrack, len(cur), len(cur)+1)
	copy(next, cur)
	next = append(next, d)
	u.downs.Store(&next)
}

// RemoveDownTrack stops forwarding to d.
func (u *UpTrack) RemoveDownTrack(d *DownTrack) {
	u.mu.Lock()
	defer u.mu.Unlock()
	cur := *u.downs.Load()
	i := slices.Index(cur, d)
	if i < 0 {
		return
	}
	next := make([]*DownTrack, 0, len(cur)-1)
	next = append(next, cur[:i]...)
	next = append(next, cur[i+1:]...)
	u.downs.Store(&next)
}

// DownTracks returns the current subscribers.
func (u *UpTrack) DownTracks() []*DownTrack { return slices.Clone(*u.downs.Load()) }

// SetMuted stops (true) or resumes (false) forwarding. Packets keep being
// read and cached while muted. On resume every subscriber continues its
// sequence numbers without a gap, from the next key frame.
func (u *UpTrack) SetMuted(muted bool) {
	if u.muted.Swap(muted) == muted || muted {
		return
	}
	for _, d := range *u.downs.Load() {
		d.resync()
	}
}

// Muted reports whether forwarding is stopped by SetMuted.
func (u *UpTrack) Muted() bool { return u.muted.Load() }

// Close stops every layer reader and waits for them to end. DownTracks are
// left to their owners (close them too).
func (u *UpTrack) Close() {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		u.wg.Wait()
		return
	}
	u.closed = true
	layers := slices.Clone(u.layers)
	empty := []*DownTrack{}
	u.downs.Store(&empty)
	u.mu.Unlock()
	for _, l := range layers {
		l.stop()
	}
	u.wg.Wait()
}

// Stats returns the track's counters summed over its layers.
func (u *UpTrack) Stats() UpStats {
	u.mu.Lock()
	layers := slices.Clone(u.layers)
	u.mu.Unlock()
	s := UpStats{PLIsSent: u.plisSent.Load()}
	now := monoNanos(time.Now())
	for _, l := range layers {
		s.Packets += l.packets.Load()
		s.Bytes += l.bytes.Load()
		s.PacketsLost += l.lost.Load()
		s.Malformed += l.malformed.Load()
		if j := time.Duration(l.jitterNanos.Load()); j > s.Jitter {
			s.Jitter = j
		}
		if l.live(now) && !l.stopping.Load() {
			s.Layers++
		}
	}
	return s
}

// desiredLayer picks the layer a subscriber wanting quality target should
// receive: the best live layer not above target, else the lowest live layer
// above it, else (nothing received recently) the best known layer.
func (u *UpTrack) desiredLayer(target vocab.Quality, now int64) *layer {
	for q := int(target); q >= 0; q-- {
		if l := u.slots[q].Load(); l != nil && l.live(now) {
			return l
		}
	}
	for q := int(target) + 1; q < numQualities; q++ {
		if l := u.slots[q].Load(); l != nil && l.live(now) {
			return l
		}
	}
	for q := int(target); q >= 0; q-- {
		if l := u.slots[q].Load(); l != nil {
			return l
		}
	}
	for q := int(target) + 1; q < numQualities; q++ {
		if l := u.slots[q].Load(); l != nil {
			return l
		}
	}
	return nil
}

// requestKeyframeFor asks for a key frame on the layer of quality q if a
// subscriber waits for it.
func (u *UpTrack) requestKeyframeFor(q vocab.Quality) {
	if u.kindAudio {
		return
	}
	now := monoNanos(time.Now())
	l := u.slots[q].Load()
	if l == nil {
		return
	}
	for _, d := range *u.downs.Load() {
		if d.cur.Load() != l && d.wantLayer(now) == l {
			l.requestKeyframe(now)
			return
		}
	}
}
