package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/compose"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
)

// Config says where a Runner's recorders join, where they write, and its limits.
type Config struct {
	// Store keeps the recordings (required on a server; a worker has none and
	// writes through Ledger).
	Store store.Store
	// Ledger receives every change of a recording's state; default
	// StoreLedger{Store, Webhooks}.
	Ledger Ledger
	// URL is the server the recorders join; APIKey and APISecret sign their
	// tokens (a recorder of the room, with the record grant).
	URL, APIKey, APISecret string
	// Dir is the recordings directory: recording id's files go to Dir/id.
	Dir string
	// Storage, when set, receives the finished files (object storage).
	Storage Storage
	// Node names this process in Recording.Node; Recover fails the unfinished
	// recordings of this name. It must stay the same across restarts.
	Node string
	// MaxConcurrent bounds the recordings running at once here (0: no bound).
	MaxConcurrent int
	// MinFreeBytes is the free space Dir must have for a recording to start
	// (default DefaultMinFreeBytes).
	MinFreeBytes uint64
	// FFmpeg is the composition program (default "ffmpeg" on the PATH).
	FFmpeg   string
	Webhooks *webhook.Notifier
	Logger   *slog.Logger
	// ClientOptions are passed to the recorders' client.Join.
	ClientOptions []client.Option
	// Queue makes Start only store the recording, with no Node, for a record
	// worker to claim; this node records nothing itself.
	Queue bool
	// LeaseTTL is how long a record worker's claim holds without a renewal
	// (default DefaultLeaseTTL); see ExpireLeases.
	LeaseTTL time.Duration
	// Cluster, on a node of a cluster, makes this node's recordings hold a
	// lease like a worker's and lets the room's next host fail and continue a
	// recording whose node was lost (see cluster.go). Nil on a single server.
	Cluster Cluster
}

// Runner runs recordings on this node.
type Runner struct {
	cfg Config
	log *slog.Logger
	// composeErr says why composition is unavailable (ffmpeg missing); nil when
	// it is.
	composeErr error

	mu      sync.Mutex
	running map[string]*job // by recording id
	closed  bool
	wg      sync.WaitGroup
	// bg is the context of background work (salvage.go), ended by Close.
	bg     context.Context
	stopBG context.CancelFunc
}

// job is one recording running here.
type job struct {
	rec      store.Recording
	stop     chan struct{} // closed to end the recording
	stopOnce sync.Once
	recorded chan struct{} // closed once the recorder has left and its files are closed
}

func (j *job) requestStop() { j.stopOnce.Do(func() { close(j.stop) }) }

// goTracked runs f on a goroutine that Close waits for, unless the Runner is
// closed (then f does not run).
func (r *Runner) goTracked(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		f()
	}()
}

// New checks the configuration and whether ffmpeg is there.
func New(cfg Config) (*Runner, error) {
	if cfg.Dir == "" {
		return nil, errors.New("recording: no recordings directory")
	}
	if cfg.Ledger == nil {
		if cfg.Store == nil {
			return nil, errors.New("recording: neither a store nor a ledger")
		}
		cfg.Ledger = StoreLedger{Store: cfg.Store, Webhooks: cfg.Webhooks}
	}
	if cfg.MinFreeBytes == 0 {
		cfg.MinFreeBytes = DefaultMinFreeBytes
	}
	if cfg.FFmpeg == "" {
		cfg.FFmpeg = "ffmpeg"
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	r := &Runner{cfg: cfg, log: log.With("component", "recording"), running: map[string]*job{}}
	r.bg, r.stopBG = context.WithCancel(context.Background())
	if _, err := exec.LookPath(cfg.FFmpeg); err != nil {
		r.composeErr = fmt.Errorf("%w: %w", compose.ErrNoFFmpeg, err)
		r.log.Warn("recording composition unavailable: ffmpeg not found; recordings keep their per-track files only",
			"ffmpeg", cfg.FFmpeg)
	}
	return r, nil
}

// ComposeUnavailable says why composed recordings cannot be made here; nil
// when they can.
func (r *Runner) ComposeUnavailable() error { return r.composeErr }

// NewID returns a new recording id.
func NewID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "RC_" + hex.EncodeToString(b[:])
}

// checkOptions refuses what the recorder cannot do.
func checkOptions(o store.RecordingOptions) error {
	switch o.Layout {
	case "", "grid", "speaker":
	default:
		return fmt.Errorf("%w: layout %q is neither grid nor speaker", ErrInvalidOptions, o.Layout)
	}
	if o.Layout != "" && !o.Composite {
		return fmt.Errorf("%w: a layout is for a composite recording; set composite", ErrInvalidOptions)
	}
	return nil
}

// admitLocked refuses a new recording beyond the node's limits. r.mu is held.
func (r *Runner) admitLocked() error {
	if r.closed {
		return ErrClosed
	}
	if r.cfg.MaxConcurrent > 0 && len(r.running) >= r.cfg.MaxConcurrent {
		return fmt.Errorf("%w (%d)", ErrBusy, r.cfg.MaxConcurrent)
	}
	return checkSpace(r.cfg.Dir, r.cfg.MinFreeBytes)
}

// Admit says whether a new recording could start here now (a worker asks
// before it claims a job).
func (r *Runner) Admit() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.admitLocked()
}

// Start records room on this node: the recording is stored (starting), then
// its recorder joins. It refuses a room that is being recorded already
// (ErrAlreadyRecording), and beyond the limits (ErrBusy, ErrNoSpace).
func (r *Runner) Start(ctx context.Context, room string, opts store.RecordingOptions) (store.Recording, error) {
	return r.start(ctx, room, opts, "")
}

// start is Start of a recording that continues recording continues (empty for
// a new one).
func (r *Runner) start(ctx context.Context, room string, opts store.RecordingOptions, continues string) (store.Recording, error) {
	if err := checkOptions(opts); err != nil {
		return store.Recording{}, err
	}
	if r.cfg.Store == nil {
		return store.Recording{}, errors.New("recording: Start needs a store")
	}
	// One start at a time on this node: the "already recording" check and the
	// write cannot interleave with another start of the same room.
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return store.Recording{}, ErrClosed
	}
	if !r.cfg.Queue {
		if err := r.admitLocked(); err != nil {
			return store.Recording{}, err
		}
	}
	existing, err := r.cfg.Store.ListRecordings(ctx, room)
	if err != nil {
		return store.Recording{}, fmt.Errorf("recording: %w", err)
	}
	for _, e := range existing {
		if !e.Status.Ended() {
			return e, fmt.Errorf("%w (%s)", ErrAlreadyRecording, e.ID)
		}
	}
	id := NewID()
	rec := store.Recording{ID: id, Room: room, Options: opts, Status: store.RecordingStarting, Node: r.cfg.Node,
		CreatedAt: time.Now().UTC(), Location: r.location(id), Files: []store.RecordingFile{}}
	if r.cfg.Queue {
		rec.Node, rec.Location = "", ""
	} else if r.cfg.Cluster != nil {
		rec.InClusterNode, rec.LeaseUntil, rec.Continues = true, time.Now().Add(r.cfg.LeaseTTL).UTC(), continues
	}
	if err := r.cfg.Store.CreateRecording(ctx, rec); err != nil {
		return store.Recording{}, fmt.Errorf("recording: %w", err)
	}
	if !r.cfg.Queue {
		r.launchLocked(rec)
	}
	return rec, nil
}

// Launch runs a recording that this node claimed (a record worker's job).
func (r *Runner) Launch(rec store.Recording) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.launchLocked(rec)
	return nil
}

func (r *Runner) launchLocked(rec store.Recording) {
	j := &job{rec: rec, stop: make(chan struct{}), recorded: make(chan struct{})}
	r.running[rec.ID] = j
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.record(j)
		r.mu.Lock()
		delete(r.running, rec.ID)
		r.mu.Unlock()
	}()
}

// location is where recording id's files are kept.
func (r *Runner) location(id string) string {
	if r.cfg.Storage != nil {
		return r.cfg.Storage.Location(id)
	}
	return filepath.Join(r.cfg.Dir, id)
}

// Running is the number of recordings running here.
func (r *Runner) Running() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.running)
}

// IDs lists the recordings running here.
func (r *Runner) IDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := make([]string, 0, len(r.running))
	for id := range r.running {
		ids = append(ids, id)
	}
	return ids
}

// RequestStop asks recording id to end, if it runs here, without waiting.
func (r *Runner) RequestStop(id string) bool {
	r.mu.Lock()
	j := r.running[id]
	r.mu.Unlock()
	if j != nil {
		j.requestStop()
	}
	return j != nil
}

// StopLocal ends recording id if it runs here, and waits (within ctx) until
// its recorder has left and its files are closed. It reports whether it ran here.
func (r *Runner) StopLocal(ctx context.Context, id string) bool {
	r.mu.Lock()
	j := r.running[id]
	r.mu.Unlock()
	if j == nil {
		return false
	}
	j.requestStop()
	select {
	case <-j.recorded:
	case <-ctx.Done():
	}
	return true
}

// Stop ends recording id of room: the stop is stored (for the node that
// records it), and when it runs here Stop waits until its files are closed.
// A recording no node has claimed yet fails at once. ErrEnded for a finished
// recording, ErrWrongRoom for another room's.
func (r *Runner) Stop(ctx context.Context, room, id string) (store.Recording, error) {
	rec, err := r.cfg.Ledger.Update(ctx, id, func(rec *store.Recording) error {
		switch {
		case rec.Room != room:
			return ErrWrongRoom
		case rec.Status.Ended():
			return ErrEnded
		}
		rec.StopRequested = true
		if rec.Node == "" {
			rec.Status, rec.Reason, rec.EndedAt = store.RecordingFailed, "stopped before a record worker took it", time.Now().UTC()
		}
		return nil
	})
	if err != nil {
		return rec, err
	}
	if r.StopLocal(ctx, id) {
		return r.cfg.Store.GetRecording(ctx, id)
	}
	return rec, nil
}

// Close stops every recording running here and waits (within ctx) until each
// has stored its files: a server that shuts down gracefully completes its
// recordings. A recording cut off by ctx is marked failed by Recover at the
// next start.
func (r *Runner) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	for _, j := range r.running {
		j.requestStop()
	}
	r.mu.Unlock()
	r.stopBG()
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("recording: close: %w", ctx.Err())
	}
}

// Recover marks failed every recording of this node that the store holds as
// unfinished (the process that recorded it ended without finishing it), with
// the files found on disk listed as partial. It returns their ids. With an
// object storage, it then moves in the background the partial files of those
// and of this node's recordings failed while it was away (salvage.go).
func (r *Runner) Recover(ctx context.Context) ([]string, error) {
	if r.cfg.Store == nil {
		return nil, nil
	}
	recs, err := r.cfg.Store.ListRecordings(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("recording: recover: %w", err)
	}
	var failed, salvage []string
	defer func() { r.salvageAll(salvage) }()
	for _, rec := range recs {
		if r.salvagePending(rec) {
			salvage = append(salvage, rec.ID) // failed while this node was away
			continue
		}
		if rec.Status.Ended() || rec.Node != r.cfg.Node || rec.Node == "" {
			continue
		}
		r.mu.Lock()
		_, mine := r.running[rec.ID]
		r.mu.Unlock()
		if mine {
			continue
		}
		files := partialFiles(filepath.Join(r.cfg.Dir, rec.ID))
		_, err := r.cfg.Ledger.Update(ctx, rec.ID, func(x *store.Recording) error {
			if x.Status.Ended() {
				return nil
			}
			x.Reason = fmt.Sprintf("interrupted while %s: the server stopped; the files are partial", x.Status)
			x.Status, x.EndedAt, x.Files = store.RecordingFailed, time.Now().UTC(), files
			return nil
		})
		if err != nil {
			return failed, fmt.Errorf("recording: recover %s: %w", rec.ID, err)
		}
		r.log.Warn("recording interrupted by a restart: marked failed", "recording", rec.ID, "room", rec.Room, "files", len(files))
		failed = append(failed, rec.ID)
		if r.cfg.Storage != nil && len(files) > 0 {
			salvage = append(salvage, rec.ID)
		}
	}
	return failed, nil
}
