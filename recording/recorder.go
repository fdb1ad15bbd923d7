package recording

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/mediafile"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Config says what to record and where.
type Config struct {
	// URL is the server (http(s):// or ws(s)://), Token a token with the join,
	// subscribe and hidden grants (TokenParams).
	URL, Token string
	// Dir receives the files and manifest.json; it is created if missing.
	Dir    string
	Logger *slog.Logger
	// ClientOptions are passed to client.Join (tests route the recorder through
	// a clienttest.Network with client.WithNet).
	ClientOptions []client.Option
	// Layout asks Stop to compose the files into one with ffmpeg (LayoutGrid,
	// LayoutSpeaker, LayoutAudioOnly); FFmpeg names the program (default "ffmpeg").
	Layout Layout
	FFmpeg string
}

// Recorder records one room into a directory. Start it with Start; Stop ends
// it and returns the manifest.
type Recorder struct {
	cfg    Config
	log    *slog.Logger
	c      *client.Client
	start  time.Time
	clocks clockOffsets
	ctx    context.Context // for the recorder's own requests; cancelled by Stop
	cancel context.CancelFunc
	loop   chan struct{} // closed when the event loop ended

	mu      sync.Mutex
	tracks  sync.WaitGroup
	files   []recordedFile
	stopped bool
}

// Start joins the room and records every track published there, now and later.
func Start(ctx context.Context, cfg Config) (*Recorder, error) {
	if cfg.Dir == "" {
		return nil, ErrNoDir
	}
	if !cfg.Layout.valid() {
		return nil, fmt.Errorf("%w: %q", ErrUnknownLayout, cfg.Layout)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	opts := append(slices.Clone(cfg.ClientOptions), client.WithLogger(log))
	c, err := client.Join(ctx, cfg.URL, cfg.Token, opts...)
	if err != nil {
		return nil, fmt.Errorf("recording: join: %w", err)
	}
	r := &Recorder{cfg: cfg, c: c, start: time.Now(), loop: make(chan struct{}),
		log: log.With("room", c.Room().Name, "participant", c.Self().SID)}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	go r.run()
	r.log.Info("recording: started", "dir", cfg.Dir)
	return r, nil
}

// StartedAt is the origin of the recording's time line.
func (r *Recorder) StartedAt() time.Time { return r.start }

// Done is closed when the session with the server ended (the room closed, the
// recorder was removed); Stop is still needed to finish the files.
func (r *Recorder) Done() <-chan struct{} { return r.c.Done() }

func (r *Recorder) run() {
	defer close(r.loop)
	for ev := range r.c.Events() {
		sub, ok := ev.(client.TrackSubscribed)
		if !ok {
			continue
		}
		r.record(sub.Track)
	}
}

// record starts writing a subscribed track.
func (r *Recorder) record(rt *client.RemoteTrack) {
	w, err := newTrackWriter(rt, r.cfg.Dir, r.start, &r.clocks, r.log)
	if err != nil {
		if errors.Is(err, mediafile.ErrUnsupportedCodec) {
			r.log.Warn("recording: track not recorded", "track", rt.TrackSID, "error", err)
			rt.Discard()
			return
		}
		r.log.Error("recording: track not recorded", "track", rt.TrackSID, "error", err)
		rt.Discard()
		return
	}
	if info := rt.Info(); info.Kind == vocab.KindVideo && len(info.Layers) > 1 {
		// The top layer: the recording is watched later, at any size.
		top := vocab.QualityHigh
		r.tracks.Add(1)
		go func() {
			defer r.tracks.Done()
			if err := r.c.UpdateSubscription(r.ctx, rt.TrackSID, client.SubscriptionSettings{Quality: &top}); err != nil {
				r.log.Debug("recording: top layer not requested", "track", rt.TrackSID, "error", err)
			}
		}()
	}
	r.tracks.Add(1)
	go func() {
		defer r.tracks.Done()
		files := w.run()
		r.mu.Lock()
		r.files = append(r.files, files...)
		r.mu.Unlock()
	}()
}

// Stop leaves the room, closes and syncs every file, composes them when the
// Config asks (ctx bounds that), and writes manifest.json. The returned manifest
// lists only files that are complete on disk. A composition that failed (ffmpeg
// missing: compose.ErrNoFFmpeg) is in Manifest.CompositeError and Stop's error;
// the per-track files and the manifest are written all the same.
func (r *Recorder) Stop(ctx context.Context) (Manifest, error) {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return Manifest{}, ErrStopped
	}
	r.stopped = true
	r.mu.Unlock()

	end := time.Now()
	r.cancel()
	closeErr := r.c.Close() // ends every track: their goroutines close their files
	closed := time.Now()
	<-r.loop
	r.tracks.Wait()
	r.log.Debug("recording: stopping", "client_close", closed.Sub(end), "files_closed", time.Since(closed))
	m := Manifest{Room: r.c.Room().Name, StartedAt: r.start, EndedAt: end}
	r.mu.Lock()
	for _, f := range r.files {
		m.Files = append(m.Files, r.place(f))
	}
	r.mu.Unlock()
	keepRunOrder(m.Files)
	slices.SortFunc(m.Files, func(a, b File) int { return cmp.Compare(a.StartOffset, b.StartOffset) })
	var composeErr error
	if r.cfg.Layout != LayoutNone {
		m.Composite, composeErr = r.composite(ctx, m)
		if composeErr != nil {
			m.CompositeError = composeErr.Error()
			r.log.Error("recording: composition failed", "error", composeErr)
		}
	}
	if err := writeManifest(r.cfg.Dir, m); err != nil {
		return m, errors.Join(err, composeErr)
	}
	if composeErr != nil {
		return m, composeErr
	}
	r.log.Info("recording: stopped", "files", len(m.Files))
	if closeErr != nil {
		r.log.Debug("recording: client close", "error", closeErr)
	}
	return m, nil
}
