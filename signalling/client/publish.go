package client

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// DefaultRIDs name simulcast layers, lowest first, when TrackOptions leaves them empty.
var DefaultRIDs = []string{"q", "h", "f"}

// TrackOptions describe a track to publish.
type TrackOptions struct {
	Kind   vocab.Kind   // audio or video; derived from Source when empty
	Source vocab.Source // camera, microphone, screen_share, screen_share_audio
	Name   string
	// MimeType is the codec: for video webrtc.MimeTypeVP8 (default), MimeTypeVP9,
	// MimeTypeAV1 or MimeTypeH264; for audio webrtc.MimeTypeOpus (default),
	// MimeTypeRED (Opus in RED, RTP only), MimeTypePCMU, MimeTypePCMA or
	// MimeTypeG722. It must be among the client's codecs (WithCodecs).
	MimeType string
	// FmtpLine picks the H.264 profile by its profile-level-id (42001f, 42e01f,
	// 4d001f or 64001f, as "profile-level-id=4d001f"); empty is constrained
	// baseline 42e01f. Other codecs leave it empty.
	FmtpLine      string
	Width, Height int
	// Layers declares simulcast layers, lowest first (at most 3); empty sends one
	// stream. A layer without RID gets DefaultRIDs[i]. Qualities left at their
	// zero value (or not rising from layer to layer) are given by position, the
	// top layer being high.
	Layers []vocab.LayerInfo
	// Muted publishes the track muted.
	Muted bool
	// Owner, for a relay only (another node of the cluster, package cascade),
	// publishes the track on behalf of this participant of the relay's node.
	Owner *protocol.RelayedOwner
	// OnKeyframeRequest, when set, is called from the track's RTCP reader at
	// each PLI or FIR, so that a relay passes the request on to the source.
	OnKeyframeRequest func()
	// OnLayerKeyframeRequest, when set, is called likewise with the index of
	// the layer asked for (in Layers; 0 without simulcast), so that a relay
	// asks the source of that layer.
	OnLayerKeyframeRequest func(layer int)
	// OnLayerEnabled, when set, is called when the server turns a layer (its
	// index in Layers) off or on again (dynacast: nobody receives it, or
	// somebody does again), so that a relay stops or resumes receiving it at
	// its source. It runs on the client's event goroutine: it must not block.
	OnLayerEnabled func(layer int, enabled bool)
	// Backup, on a video track, is its picture in another codec, published
	// when the server asks for it (backup.go); nil ignores such requests.
	Backup *BackupSource

	backupOf *LocalTrack // set on a backup: its primary
}

// LocalTrack is a track the client publishes: write encoded frames to it
// (WriteSample) or RTP packets (WriteRTP, and WriteTelephoneEvent beside audio).
// KeyframeRequests grows when a receiver wants a key frame; the server turns
// simulcast layers nobody receives off (LayerEnabled) and their writes are dropped.
type LocalTrack struct {
	c *Client
	// ClientID is the client's id for the track (the WebRTC track id).
	ClientID string
	opts     TrackOptions

	streams []*localStream // one per layer, lowest first

	muted     atomic.Bool
	keyframes atomic.Uint64 // PLI and FIR received
	layers    layerState    // per simulcast layer: keyframe requests, dynacast
	nacks     atomic.Uint64 // sequence numbers the receiver asked for again
	gone      chan struct{}
	goneOnce  sync.Once
	backup    backupState // this track's backup, when the server asks for one

	mu     sync.Mutex
	info   vocab.TrackInfo
	sender *webrtc.RTPSender // on the current publisher connection (a rejoin replaces it)
}

// SID is the server's id for the track.
func (t *LocalTrack) SID() string { return t.Info().SID }

// Info is the server's description of the track.
func (t *LocalTrack) Info() vocab.TrackInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.info
}

func (t *LocalTrack) setInfo(info vocab.TrackInfo) {
	t.mu.Lock()
	t.info = info
	t.mu.Unlock()
}

// Layers is the number of simulcast layers (1 without simulcast).
func (t *LocalTrack) Layers() int { return len(t.streams) }

// Codec is the track's codec (the server's payload type for it).
func (t *LocalTrack) Codec() webrtc.RTPCodecParameters { return t.streams[0].codec.RTPCodecParameters }

// Muted reports whether the track is muted (writes are dropped then).
func (t *LocalTrack) Muted() bool { return t.muted.Load() }

// isMuted: a backup is muted with its primary.
func (t *LocalTrack) isMuted() bool {
	return t.muted.Load() || t.opts.backupOf != nil && t.opts.backupOf.muted.Load()
}

// KeyframeRequests counts the PLI and FIR the track received; a player restarts at a
// keyframe when it grows.
func (t *LocalTrack) KeyframeRequests() uint64 { return t.keyframes.Load() }

// NACKs counts the sequence numbers the server asked for again (Pion's NACK
// responder answers them from its send buffer).
func (t *LocalTrack) NACKs() uint64 { return t.nacks.Load() }

// Done is closed once the track is unpublished or the client closed.
func (t *LocalTrack) Done() <-chan struct{} { return t.gone }

func (t *LocalTrack) markGone() { t.goneOnce.Do(func() { close(t.gone) }) }

// WriteSample sends one encoded frame (a video frame, or an audio frame of
// s.Duration) on a layer (0 = lowest), cut into RTP packets. Muted tracks and
// layers the server turned off drop it; so does a track not negotiated yet. Do not
// mix it with WriteRTP on one track: each numbers packets its own way.
func (t *LocalTrack) WriteSample(layer int, s media.Sample) error {
	if layer < 0 || layer >= len(t.streams) {
		return fmt.Errorf("%w: no layer %d", ErrInvalidOptions, layer)
	}
	if t.isMuted() || t.layers.disabled[layer].Load() {
		return nil
	}
	if err := t.streams[layer].writeSample(s); err != nil {
		return fmt.Errorf("client: write sample: %w", err)
	}
	return nil
}

// WriteRTP sends one RTP packet of the track's codec on a layer, keeping its
// sequence number, timestamp, marker and payload; SSRC and payload type are the
// negotiated ones. Muted tracks and layers the server turned off drop it.
func (t *LocalTrack) WriteRTP(layer int, p *rtp.Packet) error {
	if layer < 0 || layer >= len(t.streams) {
		return fmt.Errorf("%w: no layer %d", ErrInvalidOptions, layer)
	}
	if t.isMuted() || t.layers.disabled[layer].Load() {
		return nil
	}
	if err := t.streams[layer].writeRTP(p, false); err != nil {
		return fmt.Errorf("client: write rtp: %w", err)
	}
	return nil
}

// WriteTelephoneEvent sends one RFC 4733 telephone-event packet (DTMF) on an audio
// track, under the telephone-event payload type negotiated at the codec's clock
// rate. p numbers its sequence and timestamp with the track's media (WriteRTP), as
// a SIP peer's stream does. It fails with ErrNoTelephoneEvent when the server did
// not accept telephone-event (a client whose WithCodecs left it out).
func (t *LocalTrack) WriteTelephoneEvent(p *rtp.Packet) error {
	if t.opts.Kind != vocab.KindAudio {
		return fmt.Errorf("%w: telephone events on a %s track", ErrInvalidOptions, t.opts.Kind)
	}
	if t.muted.Load() {
		return nil
	}
	if err := t.streams[0].writeRTP(p, true); err != nil {
		return fmt.Errorf("client: write telephone event: %w", err)
	}
	return nil
}

// SetMuted mutes or unmutes the track: the server tells the others, and writes are
// dropped while muted.
func (t *LocalTrack) SetMuted(ctx context.Context, muted bool) error {
	if _, err := t.c.request(ctx, protocol.TypeMute, protocol.MuteRequest{TrackSID: t.SID(), Muted: muted}); err != nil {
		return err
	}
	t.muted.Store(muted)
	t.mu.Lock()
	t.info.Muted = muted
	t.mu.Unlock()
	return nil
}

// Mute is SetMuted(ctx, true).
func (t *LocalTrack) Mute(ctx context.Context) error { return t.SetMuted(ctx, true) }

// Unmute is SetMuted(ctx, false).
func (t *LocalTrack) Unmute(ctx context.Context) error { return t.SetMuted(ctx, false) }

// Unpublish removes the track (see Client.Unpublish).
func (t *LocalTrack) Unpublish(ctx context.Context) error { return t.c.Unpublish(ctx, t) }

// normalise fills the defaults of o (kind from source, source from kind, codec from
// kind, RIDs and qualities of layers) and refuses inconsistent options.
func normalise(o TrackOptions) (TrackOptions, error) {
	if o.Kind == "" {
		switch o.Source {
		case vocab.SourceMicrophone, vocab.SourceScreenShareAudio:
			o.Kind = vocab.KindAudio
		default:
			o.Kind = vocab.KindVideo
		}
	}
	if o.Source == "" {
		o.Source = vocab.SourceCamera
		if o.Kind == vocab.KindAudio {
			o.Source = vocab.SourceMicrophone
		}
	}
	if o.MimeType == "" {
		o.MimeType = webrtc.MimeTypeVP8
		if o.Kind == vocab.KindAudio {
			o.MimeType = webrtc.MimeTypeOpus
		}
	}
	if len(o.Layers) > len(DefaultRIDs) {
		return o, fmt.Errorf("%w: %d simulcast layers (at most %d)", ErrInvalidOptions, len(o.Layers), len(DefaultRIDs))
	}
	if len(o.Layers) > 0 && o.Kind != vocab.KindVideo {
		return o, fmt.Errorf("%w: simulcast layers on an audio track", ErrInvalidOptions)
	}
	o.Layers = append([]vocab.LayerInfo(nil), o.Layers...)
	if err := checkBackupSource(o); err != nil {
		return o, err
	}
	// Qualities that do not rise from layer to layer (left at their zero value)
	// are given by position; the top layer is high whatever the count, so 2
	// layers are low+high.
	byPosition := !qualitiesRise(o.Layers)
	for i := range o.Layers {
		if o.Layers[i].RID == "" {
			o.Layers[i].RID = DefaultRIDs[i]
		}
		if byPosition {
			o.Layers[i].Quality = vocab.QualityHigh - vocab.Quality(len(o.Layers)-1-i)
		}
	}
	return o, nil
}

var trackCounter atomic.Uint64

// PublishTrack declares a track to the server, adds it to the publisher connection
// and negotiates. It returns once the server assigned the track's SID; media written
// afterwards flows (others hear TrackPublished when it arrives).
func (c *Client) PublishTrack(ctx context.Context, o TrackOptions) (*LocalTrack, error) {
	o, err := normalise(o)
	if err != nil {
		return nil, err
	}
	cd, err := pickCodec(c.codecs, o.MimeType, o.FmtpLine)
	if err != nil {
		return nil, err
	}
	if (cd.kind == webrtc.RTPCodecTypeVideo) != (o.Kind == vocab.KindVideo) {
		return nil, fmt.Errorf("%w: %s track with codec %s", ErrInvalidOptions, o.Kind, cd.MimeType)
	}
	if b := o.Backup; b != nil {
		if _, err := pickCodec(c.codecs, b.MimeType, b.FmtpLine); err != nil {
			return nil, fmt.Errorf("backup source: %w", err)
		}
	}
	self := c.Self()
	cid := "TR_" + self.SID + "_" + strconv.FormatUint(trackCounter.Add(1), 10)
	t := &LocalTrack{c: c, ClientID: cid, opts: o, gone: make(chan struct{})}
	t.muted.Store(o.Muted)

	var locals []webrtc.TrackLocal
	rids := []string{""}
	if len(o.Layers) > 0 {
		rids = rids[:0]
		for _, l := range o.Layers {
			rids = append(rids, l.RID)
		}
	}
	for _, rid := range rids {
		s := &localStream{codec: cd, id: cid, streamID: self.SID, rid: rid}
		t.streams = append(t.streams, s)
		locals = append(locals, s)
	}

	c.mu.Lock()
	c.local[cid] = t
	c.mu.Unlock()
	fail := func(err error) (*LocalTrack, error) {
		c.mu.Lock()
		delete(c.local, cid)
		c.mu.Unlock()
		t.markGone()
		return nil, err
	}

	if err := c.attachTrack(ctx, t); err != nil {
		return fail(err)
	}
	if err := c.negotiatePublisher(ctx, false); err != nil {
		_ = c.pubPC().RemoveTrack(t.rtpSender())
		return fail(fmt.Errorf("client: publish %s: %w", t.SID(), err))
	}
	c.log.Debug("track published", "track", t.SID(), "kind", o.Kind, "layers", len(locals))
	return t, nil
}

// attachTrack declares t to the server (add_track, which assigns its SID) and adds
// its streams to the publisher connection; the caller negotiates. A rejoin calls it
// again for each track, on the new node and the new connection.
func (c *Client) attachTrack(ctx context.Context, t *LocalTrack) error {
	o := t.opts
	req := protocol.AddTrackRequest{
		ClientID: t.ClientID, Name: o.Name, Kind: o.Kind, Source: o.Source, Muted: t.muted.Load(),
		Width: o.Width, Height: o.Height, Layers: protocol.FromLayers(o.Layers), Owner: o.Owner,
	}
	if o.backupOf != nil {
		req.BackupOf, req.MimeType = o.backupOf.SID(), t.streams[0].codec.MimeType
	}
	msg, err := c.request(ctx, protocol.TypeAddTrack, req)
	if err != nil {
		return err
	}
	ev, ok := msg.Body.(protocol.TrackPublishedEvent)
	if !ok {
		return fmt.Errorf("%w: add_track answered with %q", ErrUnexpectedMessage, msg.Type)
	}
	t.setInfo(ev.Track.Vocab())

	cd := t.streams[0].codec
	pub := c.pubPC()
	tr, err := pub.AddTransceiverFromTrack(t.streams[0], webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return fmt.Errorf("client: add transceiver: %w", err)
	}
	// Offer only the track's codec (and telephone-event beside audio), so that
	// the server's answer leaves no choice.
	prefs := []webrtc.RTPCodecParameters{cd.RTPCodecParameters}
	if ev, ok := eventCodec(c.codecs, cd.ClockRate); ok && cd.kind == webrtc.RTPCodecTypeAudio {
		prefs = append(prefs, ev.RTPCodecParameters)
	}
	if b := o.Backup; b != nil {
		// The backup's codec is negotiated here too, after the track's own:
		// once a connection negotiated video, Pion takes no codec it did not
		// negotiate on a new transceiver, and the backup comes later.
		if bc, err := pickCodec(c.codecs, b.MimeType, b.FmtpLine); err == nil {
			prefs = append(prefs, bc.RTPCodecParameters)
		}
	}
	if err := tr.SetCodecPreferences(prefs); err != nil {
		_ = pub.RemoveTrack(tr.Sender())
		return fmt.Errorf("client: codec preferences: %w", err)
	}
	sender := tr.Sender()
	t.mu.Lock()
	t.sender = sender
	t.mu.Unlock()
	for _, l := range t.streams[1:] {
		if err := sender.AddEncoding(l); err != nil {
			return fmt.Errorf("client: add simulcast encoding: %w", err)
		}
	}
	// Each simulcast layer has its own RTCP stream in Pion; read all of them.
	for _, l := range t.streams {
		rid := l.RID()
		c.goTracked(func() { t.readRTCP(sender, rid) })
	}
	return nil
}

// rtpSender is the track's sender on the current publisher connection.
func (t *LocalTrack) rtpSender() *webrtc.RTPSender {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sender
}

// readRTCP drains the RTCP of one layer of the sender (Pion's NACK responder only
// sees what is read) and counts keyframe requests and NACKs; it ends when the sender
// stops.
func (t *LocalTrack) readRTCP(sender *webrtc.RTPSender, rid string) {
	layer := t.layerIndex(rid)
	for {
		var (
			pkts []rtcp.Packet
			err  error
		)
		if rid == "" {
			pkts, _, err = sender.ReadRTCP()
		} else {
			pkts, _, err = sender.ReadSimulcastRTCP(rid)
		}
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				t.keyframes.Add(1)
				t.layers.keyframes[layer].Add(1)
				if f := t.opts.OnKeyframeRequest; f != nil {
					f()
				}
				if f := t.opts.OnLayerKeyframeRequest; f != nil {
					f(layer)
				}
			case *rtcp.TransportLayerNack:
				for _, pair := range p.Nacks {
					t.nacks.Add(uint64(len(pair.PacketList())))
				}
			}
		}
	}
}

// Unpublish removes a track: the server tells the others, and the publisher
// connection renegotiates.
func (c *Client) Unpublish(ctx context.Context, t *LocalTrack) error {
	if t.opts.backupOf == nil {
		c.dropBackup(t) // the server removes it with its primary
	}
	c.mu.Lock()
	_, ok := c.local[t.ClientID]
	delete(c.local, t.ClientID)
	c.mu.Unlock()
	if !ok {
		return ErrTrackNotPublished
	}
	t.markGone()
	_, err := c.request(ctx, protocol.TypeUnpublish, protocol.UnpublishRequest{TrackSID: t.SID()})
	if rmErr := c.pubPC().RemoveTrack(t.rtpSender()); rmErr != nil && !errors.Is(rmErr, webrtc.ErrConnectionClosed) {
		c.log.Debug("remove sender", "err", rmErr)
	}
	if negErr := c.negotiatePublisher(ctx, false); negErr != nil && err == nil {
		err = negErr
	}
	return err
}

// LocalTracks lists the published tracks, without backups (LocalTrack.Backup).
func (c *Client) LocalTracks() []*LocalTrack {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*LocalTrack, 0, len(c.local))
	for _, t := range c.local {
		if t.opts.backupOf == nil {
			out = append(out, t)
		}
	}
	return out
}

// qualitiesRise reports whether each layer's quality is above the one before.
func qualitiesRise(layers []vocab.LayerInfo) bool {
	for i := 1; i < len(layers); i++ {
		if layers[i].Quality <= layers[i-1].Quality {
			return false
		}
	}
	return len(layers) > 1 || len(layers) == 1 && layers[0].Quality != vocab.QualityLow
}

// ExtensionID is the RTP header extension id the publisher connection
// negotiated for uri on the track (0: none), for a relay that copies packets
// received with other ids.
func (t *LocalTrack) ExtensionID(uri string) uint8 {
	s := t.rtpSender()
	if s == nil {
		return 0
	}
	for _, e := range s.GetParameters().HeaderExtensions {
		if e.URI == uri && e.ID > 0 && e.ID < 256 {
			return uint8(e.ID)
		}
	}
	return 0
}
