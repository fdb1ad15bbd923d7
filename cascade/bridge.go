package cascade

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ensemble-sfu/ensemble/signalling/client"
)

// publishTimeout bounds the publication of one relayed track on a leg.
const publishTimeout = 10 * time.Second

// Config describes one bridge: this node's room and the origin's, which have
// the same name.
type Config struct {
	Room string
	// Peer is the origin node's id (counters' peer label, logs).
	Peer string
	// FarURL is the origin node's URL, NearURL this node's (http:// or ws://).
	FarURL, NearURL string
	// Token joins Room as a relay (kind relay, room_admin for Room); valid on
	// both nodes, which share the API keys.
	Token    string
	Counters *Counters
	Logger   *slog.Logger
	// Owners acts on this node's participants for an administrator of the
	// origin (admin.go); nil drops such actions.
	Owners Owners
	// Options are added to both legs' client options (tests give a net).
	Options []client.Option
}

// Bridge carries one room between this node and the origin: see the package
// documentation.
type Bridge struct {
	cfg       Config
	log       *slog.Logger
	far, near *client.Client
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	done      chan struct{}
	closeOnce sync.Once
	// The simulcast tracks whose layer streams are being gathered, by SID.
	layersMu sync.Mutex
	layers   map[string]*layerGroup
	// The mute of each relayed track, by its SID on its source's leg (roster.go).
	mutesMu sync.Mutex
	mutes   map[string]*relayedMute
	// The SID each relayed track has on its source's leg, by the SID it got
	// on the other leg (admin.go). Under mutesMu.
	sources map[string]string
}

// Start joins both rooms as a relay and starts relaying; it returns once both
// legs joined. Close it when this node's room has no participant left.
func Start(ctx context.Context, cfg Config) (*Bridge, error) {
	if cfg.Room == "" || cfg.FarURL == "" || cfg.NearURL == "" || cfg.Token == "" || cfg.Counters == nil {
		return nil, errors.New("cascade: room, both URLs, a relay token and counters are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	log := cfg.Logger.With("room", cfg.Room, "peer", cfg.Peer)
	// A busy node is not waited for here: the cascader tries the bridge
	// again every second, and a join held for a node's Retry-After would
	// keep it from seeing the room's host change meanwhile.
	opts := append([]client.Option{client.WithAutoSubscribe(true), client.WithLogger(log), client.WithJoinRetry(0)}, cfg.Options...)
	far, err := client.Join(ctx, cfg.FarURL, cfg.Token, opts...)
	if err != nil {
		return nil, fmt.Errorf("cascade: join room %q on node %s: %w", cfg.Room, cfg.Peer, err)
	}
	near, err := client.Join(ctx, cfg.NearURL, cfg.Token, opts...)
	if err != nil {
		_ = far.Close()
		return nil, fmt.Errorf("cascade: join room %q on this node: %w", cfg.Room, err)
	}
	bctx, cancel := context.WithCancel(context.Background())
	b := &Bridge{cfg: cfg, log: log, far: far, near: near, ctx: bctx, cancel: cancel, done: make(chan struct{}),
		mutes: map[string]*relayedMute{}, sources: map[string]string{}}
	b.wg.Add(2)
	go b.pump(far, near, cfg.Counters.In.WithLabelValues(cfg.Peer))
	go b.pump(near, far, cfg.Counters.Out.WithLabelValues(cfg.Peer))
	log.Info("room bridged to its origin node")
	return b, nil
}

// Done is closed once either leg ended (the bridge is closing).
func (b *Bridge) Done() <-chan struct{} { return b.done }

// pump publishes on to every track from subscribes to, on behalf of its owner,
// and keeps from's participants in to's roster (roster.go); it ends with
// either leg.
func (b *Bridge) pump(from, to *client.Client, crossed prometheus.Counter) {
	defer b.wg.Done()
	defer b.stop()
	b.declareAll(from, to)
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-to.Done():
			return
		case ev, ok := <-from.Events():
			if !ok {
				return
			}
			switch ev := ev.(type) {
			case client.TrackSubscribed:
				if n := simulcastLayers(ev.Track); n > 0 {
					g, first := b.addLayer(ev.Track, n)
					if first {
						b.wg.Add(1)
						go func() {
							defer b.wg.Done()
							b.relayLayers(g, from, to, crossed)
						}()
					}
					continue
				}
				b.wg.Add(1)
				go func() {
					defer b.wg.Done()
					b.relay(ev.Track, to, crossed)
				}()
			case client.ParticipantJoined:
				b.declare(to, ev.Participant, true)
			case client.ParticipantUpdated:
				if ev.Participant.SID != from.Self().SID {
					b.declare(to, ev.Participant, false)
				}
			case client.ParticipantLeft:
				b.remove(to, ev.Participant, ev.Reason)
			case client.TrackMuted:
				if ev.ParticipantSID != from.Self().SID {
					b.sourceMuted(ev.TrackSID, ev.Muted)
				}
			case client.TrackUnpublished:
				// No mute follows; a mute seen after its relay ended is dropped.
				b.unrelayed(ev.TrackSID)
			case client.DataReceived:
				b.relayData(ev, to)
			case client.RelayedAdmin:
				// From the origin only: it names this node's participants.
				// The near leg hears it when this node's API acted on a
				// relayed participant (Redis unavailable), or a join here
				// replaced one (the origin decides: the join's declaration
				// replaces the older session there); the origin is not
				// acted on from here.
				if from == b.far {
					b.administer(ev)
				}
			case client.Closed:
				b.log.Info("relay leg closed", "reason", ev.Reason)
				return
			}
		}
	}
}

// relay publishes one received track on the other leg and copies its packets
// until it ends; key-frame requests go back the other way.
func (b *Bridge) relay(rt *client.RemoteTrack, to *client.Client, crossed prometheus.Counter) {
	owner, ok := rt.Participant()
	if !ok {
		rt.Discard() // its publisher already left
		return
	}
	info := rt.Info()
	codec := rt.Codec()
	opts := client.TrackOptions{
		Kind: rt.Kind(), Source: info.Source, Name: info.Name, MimeType: codec.MimeType,
		Width: info.Width, Height: info.Height, Muted: b.publishMuted(rt.TrackSID, info.Muted),
		Owner: relayedOwner(owner),
	}
	defer b.unrelayed(rt.TrackSID)
	if strings.EqualFold(codec.MimeType, webrtc.MimeTypeH264) {
		opts.FmtpLine = codec.SDPFmtpLine
	}
	if rt.Kind() == "video" {
		opts.OnKeyframeRequest = func() {
			if err := rt.RequestKeyframe(); err != nil {
				b.log.Debug("relayed key-frame request", "track", rt.TrackSID, "err", err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(b.ctx, publishTimeout)
	lt, err := to.PublishTrack(ctx, opts)
	cancel()
	if err != nil {
		b.log.Warn("relaying a track failed", "track", rt.TrackSID, "participant", owner.Identity, "err", err)
		rt.Discard()
		return
	}
	crossed.Inc()
	b.published(rt.TrackSID, lt)
	b.log.Info("track relayed", "track", rt.TrackSID, "participant", owner.Identity, "as", lt.SID())
	exts := extensionMap(rt, lt)
	for {
		p, err := rt.ReadRTP()
		if err != nil {
			break
		}
		exts.rewrite(&p.Header)
		if rt.IsTelephoneEvent(p) {
			err = lt.WriteTelephoneEvent(p)
		} else {
			err = lt.WriteRTP(0, p)
		}
		if err != nil {
			b.log.Debug("relayed packet not written", "track", rt.TrackSID, "err", err)
		}
	}
	if b.ctx.Err() != nil {
		return // the leg closes with the bridge: nothing to unpublish
	}
	ctx, cancel = context.WithTimeout(b.ctx, publishTimeout)
	defer cancel()
	if err := lt.Unpublish(ctx); err != nil && !errors.Is(err, client.ErrTrackNotPublished) {
		b.log.Debug("unpublish relayed track", "track", lt.SID(), "err", err)
	}
}

// stop ends both legs once.
func (b *Bridge) stop() {
	b.closeOnce.Do(func() {
		b.cancel()
		close(b.done)
		_ = b.far.Close()
		_ = b.near.Close()
	})
}

// Close leaves both rooms and waits for the bridge's goroutines.
func (b *Bridge) Close() error {
	b.stop()
	b.wg.Wait()
	return nil
}

// relayData sends a data message of one leg's room into the other's, on behalf
// of its sender there; the relay in that room routes it on to the
// destinations it names (or everyone). Sent in order, from the pump.
func (b *Bridge) relayData(ev client.DataReceived, to *client.Client) {
	ctx, cancel := context.WithTimeout(b.ctx, publishTimeout)
	defer cancel()
	from := ev.FromIdentity
	err := to.SendData(ctx, ev.Payload, client.DataOptions{Kind: ev.Kind, Topic: ev.Topic, To: ev.To, From: &from})
	if err != nil {
		b.log.Debug("relaying a data message failed", "from", from, "err", err)
	}
}

// absCaptureTimeURI names abs-capture-time: the sender's capture time of a
// packet's frame, which receivers use to measure end-to-end delay (and
// libwebrtc to keep audio and video in sync); it means the same across a relay.
const absCaptureTimeURI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"

// relayedExtensions are the header extensions that cross a relay: the audio
// level (active speakers are room-wide) and abs-capture-time (end to end). The
// rest are the far leg's (transport ones, written anew by the near leg) and
// are dropped.
var relayedExtensions = [...]string{sdp.AudioLevelURI, absCaptureTimeURI}

// extMap maps the extension ids a track arrives with to the ones it leaves with.
type extMap []struct{ from, to uint8 }

func extensionMap(rt *client.RemoteTrack, lt *client.LocalTrack) extMap {
	var m extMap
	for _, uri := range relayedExtensions {
		var from uint8
		for _, e := range rt.Receiver.GetParameters().HeaderExtensions {
			if e.URI == uri && e.ID > 0 && e.ID < 256 {
				from = uint8(e.ID)
			}
		}
		if to := lt.ExtensionID(uri); from != 0 && to != 0 {
			m = append(m, struct{ from, to uint8 }{from, to})
		}
	}
	return m
}

// rewrite keeps the relayed extensions of h under their new ids, and drops
// the others. It allocates nothing: the values are slices of the packet, and
// the header's extension list is reused.
func (m extMap) rewrite(h *rtp.Header) {
	if !h.Extension {
		return
	}
	var vals [len(relayedExtensions)][]byte
	for i, e := range m {
		vals[i] = h.GetExtension(e.from)
	}
	h.Extension, h.Extensions, h.ExtensionProfile = false, h.Extensions[:0], 0
	for i, e := range m {
		if vals[i] != nil {
			_ = h.SetExtension(e.to, vals[i])
		}
	}
}
