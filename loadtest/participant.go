package loadtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// media holds the parsed clips every publisher plays; parsed once per run.
type media struct {
	video []*clip.Clip // lowest layer first
	audio *clip.Clip
}

func loadMedia() (*media, error) {
	m := &media{}
	for _, data := range clips.VP8Layers() {
		c, err := clip.ParseIVF(data)
		if err != nil {
			return nil, fmt.Errorf("load VP8 clip: %w", err)
		}
		m.video = append(m.video, c)
	}
	audio, err := clip.ParseOgg(clips.Opus)
	if err != nil {
		return nil, fmt.Errorf("load Opus clip: %w", err)
	}
	m.audio = audio
	return m, nil
}

// participant is one simulated participant: its client, what it publishes, and the
// statistics of every stream it receives.
type participant struct {
	identity  string
	room      string
	publisher bool
	light     bool           // a light subscriber (SubscriberLight)
	recv      *lightReceiver // its media path, when light
	feedback  *feedbackClock // sends recv's feedback, when light
	joinStart time.Time

	client  *client.Client
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	leaving atomic.Bool // stop was called: streams that end now end on purpose

	mu         sync.Mutex
	firstFrame time.Time
	streams    map[string]*StreamStats // by track SID
}

// join connects the participant, starts its publishing and its readers. It returns once
// joined; media flows until stop.
func (p *participant) join(ctx context.Context, r *runner) error {
	p.streams = make(map[string]*StreamStats)
	p.joinStart = time.Now()
	token, err := r.token(p.room, p.identity, p.publisher)
	if err != nil {
		return err
	}
	ctx, p.cancel = context.WithCancel(ctx)
	log := r.log.With("identity", p.identity)
	opts := []client.Option{client.WithLogger(log), client.WithInterceptor(CaptureTimeStamper{})}
	if p.light {
		p.recv = newLightReceiver(p.sawFirstFrame)
		opts = append(opts, client.WithInterceptor(rtcpWriterTap{r: p.recv}), client.WithoutDefaultInterceptors(),
			client.WithRTPHeaderEncryptionPolicy(webrtc.RTPHeaderEncryptionPolicyDisable),
			client.WithSettingEngine(lightSettings(&lightNet{bigBufferNet: r.net, recv: p.recv, poll: r.light.poll})))
	} else {
		opts = append(opts, client.WithSettingEngine(settingEngineWith(r.net)))
	}
	c, err := client.Join(ctx, r.cfg.URL, token, opts...)
	if err != nil {
		p.cancel()
		return fmt.Errorf("join %s/%s: %w", p.room, p.identity, err)
	}
	p.client = c
	p.wg.Add(1)
	go func() { defer p.wg.Done(); p.consumeEvents(ctx) }()
	if p.light {
		p.feedback = r.light.feedback
		p.feedback.add(p.recv)
	}
	if p.publisher {
		if err := p.publish(ctx, r); err != nil {
			p.stop()
			return err
		}
	}
	return nil
}

func (p *participant) publish(ctx context.Context, r *runner) error {
	audio, err := p.client.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone, Name: "microphone"})
	if err != nil {
		return fmt.Errorf("%s: publish audio: %w", p.identity, err)
	}
	p.play(ctx, audio, r.media.audio)
	if r.cfg.AudioOnly {
		return nil
	}
	layers := r.videoLayers()
	opts := client.TrackOptions{Source: vocab.SourceCamera, Name: "camera",
		Width: layers[len(layers)-1].Width, Height: layers[len(layers)-1].Height}
	if len(layers) > 1 {
		for i, c := range layers {
			opts.Layers = append(opts.Layers, vocab.LayerInfo{Quality: qualityOf(i), Width: c.Width, Height: c.Height})
		}
	}
	video, err := p.client.PublishTrack(ctx, opts)
	if err != nil {
		return fmt.Errorf("%s: publish video: %w", p.identity, err)
	}
	p.play(ctx, video, layers...)
	return nil
}

// qualityOf names the i-th layer, lowest first.
func qualityOf(i int) vocab.Quality {
	return [...]vocab.Quality{vocab.QualityLow, vocab.QualityMedium, vocab.QualityHigh}[i]
}

func (p *participant) play(ctx context.Context, t *client.LocalTrack, layers ...*clip.Clip) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := clienttest.PlayClip(ctx, t, layers...); err != nil && ctx.Err() == nil {
			slog.Debug("loadtest: play stopped", "identity", p.identity, "err", err)
		}
	}()
}

// consumeEvents starts a reader for every track the participant receives.
func (p *participant) consumeEvents(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-p.client.Events():
			if !ok {
				return
			}
			switch ev := ev.(type) {
			case client.TrackSubscribed:
				if p.light {
					p.watchLight(ev.Track)
					continue
				}
				p.wg.Add(1)
				go func() { defer p.wg.Done(); p.read(ctx, ev.Track) }()
			case client.TrackUnpublished:
				p.endStream(ev.TrackSID) // its publisher left or stopped it
			}
		}
	}
}

// endStream stops counting the silence of a stream that ended on purpose as a freeze.
func (p *participant) endStream(trackSID string) {
	p.mu.Lock()
	s := p.streams[trackSID]
	p.mu.Unlock()
	if s != nil {
		s.End()
	}
}

// read measures one received track until it ends. A track that ends because the
// participant leaves is not frozen; one that ends on its own still counts.
func (p *participant) read(ctx context.Context, t *client.RemoteTrack) {
	codec := t.Track.Codec()
	stats := NewStreamStats(t.Kind() == vocab.KindVideo, codec.ClockRate)
	p.mu.Lock()
	p.streams[t.TrackSID] = stats
	p.mu.Unlock()
	captureID := receiverExtensionID(t.Receiver, AbsCaptureTimeURI)
	for {
		pkt, err := t.ReadRTP()
		if err != nil {
			if p.leaving.Load() || ctx.Err() != nil {
				stats.End()
			}
			return
		}
		now := time.Now()
		p.sawFirstFrame(now)
		stats.OnPacket(PacketInfo{
			Arrival:        now,
			SequenceNumber: pkt.SequenceNumber,
			Timestamp:      pkt.Timestamp,
			Marker:         pkt.Marker,
			PayloadBytes:   len(pkt.Payload),
			CaptureTime:    captureTime(&pkt.Header, captureID),
		})
	}
}

// sawFirstFrame records the arrival of the participant's first remote packet.
func (p *participant) sawFirstFrame(now time.Time) {
	p.mu.Lock()
	if p.firstFrame.IsZero() {
		p.firstFrame = now
	}
	p.mu.Unlock()
}

func receiverExtensionID(r *webrtc.RTPReceiver, uri string) uint8 {
	for _, e := range r.GetParameters().HeaderExtensions {
		if e.URI == uri && e.ID > 0 && e.ID < 256 {
			return uint8(e.ID)
		}
	}
	return 0
}

// joinTime is how long the participant took from its token to its first remote packet;
// false when it received nothing.
func (p *participant) joinTime() (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.firstFrame.IsZero() {
		return 0, false
	}
	return p.firstFrame.Sub(p.joinStart), true
}

// snapshot reads every received stream, with its delay samples or without them.
func (p *participant) snapshot(now time.Time, delays bool) []StreamSnapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]StreamSnapshot, 0, len(p.streams))
	for _, s := range p.streams {
		out = append(out, s.snapshot(now, delays))
	}
	return out
}

// streamCount is the number of streams received.
func (p *participant) streamCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.streams)
}

// stop leaves the room and waits for the participant's goroutines.
func (p *participant) stop() {
	p.leaving.Store(true)
	if p.feedback != nil {
		p.feedback.remove(p.recv)
	}
	if p.client != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := p.client.Leave(ctx); err != nil && !errors.Is(err, context.Canceled) {
			slog.Debug("loadtest: leave", "identity", p.identity, "err", err)
		}
		cancel()
		_ = p.client.Close()
	}
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
}
