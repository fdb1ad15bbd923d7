package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/signalling/apiclient"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// Config is a worker's server, credentials, and limits.
type Config struct {
	// URL is the server; APIKey and APISecret one of its API keys (the
	// worker signs its own API tokens and its recorders' tokens).
	URL, APIKey, APISecret string
	// Node names the worker in the recordings it claims.
	Node string
	// Dir, Storage, MaxConcurrent, MinFreeBytes and FFmpeg are as in jobs.Config.
	Dir           string
	Storage       jobs.Storage
	MaxConcurrent int
	MinFreeBytes  uint64
	FFmpeg        string
	// Poll is how often the worker asks for jobs and stop requests (default 1 s).
	Poll time.Duration
	// CloseTimeout bounds the end of the recordings when the worker stops
	// (default 2 minutes).
	CloseTimeout  time.Duration
	Logger        *slog.Logger
	ClientOptions []client.Option
}

// apiTokenTTL: each call gets a fresh token, so none need live long.
const apiTokenTTL = 5 * time.Minute

// Worker claims and records jobs.
type Worker struct {
	cfg    Config
	log    *slog.Logger
	runner *jobs.Runner
}

// New checks cfg and prepares the worker's runner.
func New(cfg Config) (*Worker, error) {
	if cfg.URL == "" || cfg.APIKey == "" || cfg.APISecret == "" || cfg.Node == "" {
		return nil, errors.New("record worker: the server URL, an API key, its secret and a node name are needed")
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.CloseTimeout <= 0 {
		cfg.CloseTimeout = 2 * time.Minute
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	w := &Worker{cfg: cfg, log: log.With("component", "record-worker", "node", cfg.Node)}
	r, err := jobs.New(jobs.Config{
		Ledger: apiLedger{w}, URL: cfg.URL, APIKey: cfg.APIKey, APISecret: cfg.APISecret,
		Dir: cfg.Dir, Storage: cfg.Storage, Node: cfg.Node, MaxConcurrent: cfg.MaxConcurrent,
		MinFreeBytes: cfg.MinFreeBytes, FFmpeg: cfg.FFmpeg, Logger: log, ClientOptions: cfg.ClientOptions,
	})
	if err != nil {
		return nil, err
	}
	w.runner = r
	return w, nil
}

// client is an API client with a fresh server-wide token.
func (w *Worker) client() (*apiclient.Client, error) {
	tok, err := auth.Sign(w.cfg.APIKey, w.cfg.APISecret, auth.TokenParams{Identity: "record-worker-" + w.cfg.Node,
		TTL: apiTokenTTL, Grants: auth.Grants{RoomAdmin: true, RoomList: true}})
	if err != nil {
		return nil, fmt.Errorf("record worker: API token: %w", err)
	}
	return &apiclient.Client{BaseURL: w.cfg.URL, Token: tok}, nil
}

// Running is the number of recordings the worker runs now.
func (w *Worker) Running() int { return w.runner.Running() }

// Run claims and records jobs until ctx ends, then ends its recordings
// (reported complete) within CloseTimeout and returns.
func (w *Worker) Run(ctx context.Context) error {
	w.log.Info("record worker started", "server", w.cfg.URL, "max_concurrent", w.cfg.MaxConcurrent)
	tick := time.NewTicker(w.cfg.Poll)
	defer tick.Stop()
	for {
		w.poll(ctx)
		select {
		case <-ctx.Done():
			cctx, cancel := context.WithTimeout(context.Background(), w.cfg.CloseTimeout)
			defer cancel()
			err := w.runner.Close(cctx)
			w.log.Info("record worker stopped", "err", err)
			return err
		case <-tick.C:
		}
	}
}

// poll follows the stop requests of the running recordings, then claims jobs
// while there is room.
func (w *Worker) poll(ctx context.Context) {
	c, err := w.client()
	if err != nil {
		w.log.Error("record worker: no API client", "err", err)
		return
	}
	for _, id := range w.runner.IDs() {
		// The renewal keeps the claim alive (the server fails the recording
		// when it lapses: a dead worker's) and lists the files so far.
		rec, err := c.RenewLease(ctx, id, apiwire.LeaseRequest{Node: w.cfg.Node, Files: w.runner.PartialFiles(id)})
		var pe *apiwire.Problem
		switch {
		case errors.As(err, &pe) && pe.Status == http.StatusConflict:
			w.log.Warn("record worker: the server ended the recording (its claim lapsed): stopping it", "recording", id, "err", err)
			w.runner.RequestStop(id)
		case err != nil:
			w.log.Warn("record worker: claim not renewed", "recording", id, "err", err)
		case rec.StopRequested:
			w.runner.RequestStop(id)
		}
	}
	for ctx.Err() == nil {
		if err := w.runner.Admit(); err != nil {
			w.log.Debug("record worker: no room for another recording", "err", err)
			return
		}
		rec, ok, err := c.ClaimRecording(ctx, w.cfg.Node)
		if err != nil {
			if ctx.Err() == nil {
				w.log.Warn("record worker: claim failed", "err", err)
			}
			return
		}
		if !ok {
			return
		}
		w.log.Info("record worker: recording claimed", "recording", rec.ID, "room", rec.Room)
		if err := w.runner.Launch(rec); err != nil {
			return
		}
	}
}

// apiLedger writes a recording's state through the server's API.
type apiLedger struct{ w *Worker }

// Update implements jobs.Ledger: it reads the recording, applies update and
// reports the result; the server checks that the recording is this node's.
func (l apiLedger) Update(ctx context.Context, id string, update func(*store.Recording) error) (store.Recording, error) {
	c, err := l.w.client()
	if err != nil {
		return store.Recording{}, err
	}
	rec, err := c.GetRecording(ctx, id)
	if err != nil {
		return store.Recording{}, fmt.Errorf("record worker: read %s: %w", id, err)
	}
	if err := update(&rec); err != nil {
		return rec, err
	}
	return c.ReportRecording(ctx, id, apiwire.RecordingReport{Node: l.w.cfg.Node, Status: rec.Status, Reason: rec.Reason,
		StartedAt: rec.StartedAt, EndedAt: rec.EndedAt, Location: rec.Location, Files: rec.Files,
		Composite: rec.Composite, Manifest: rec.Manifest})
}
