package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config.
const (
	DefaultQueueSize      = 10_000
	DefaultMinBackoff     = 500 * time.Millisecond
	DefaultMaxBackoff     = time.Minute
	DefaultRequestTimeout = 10 * time.Second
	DefaultGiveUpAfter    = 15 * time.Minute
)

// Config configures a Notifier.
type Config struct {
	// URLs receive every event; none makes a Notifier that drops everything silently
	// (so that callers need not special-case "no webhooks").
	URLs []string
	// APIKey names the key in the Ensemble-Key header; Secret signs the requests.
	APIKey, Secret string
	// QueueSize bounds the events waiting for one URL; 0 means DefaultQueueSize.
	QueueSize int
	// MinBackoff and MaxBackoff bound the wait between attempts of one event, which
	// doubles after each failure; 0 means the defaults.
	MinBackoff, MaxBackoff time.Duration
	// RequestTimeout bounds one attempt; 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// GiveUpAfter bounds how long one event is retried before it is dropped (logged
	// and counted as failed), so that a receiver down for a day does not hold every
	// later event; 0 means DefaultGiveUpAfter.
	GiveUpAfter time.Duration
	// AllowedNetworks are the internal address ranges (loopback, private, link-local,
	// carrier-grade NAT) webhooks may reach; by default none: a webhook cannot be
	// pointed at the server itself or its internal network.
	AllowedNetworks []netip.Prefix
	// Client sends the requests; nil means a default client. Redirects are not
	// followed, whatever the client's CheckRedirect says, and connections to
	// addresses outside AllowedNetworks are refused (unless Client has a Transport
	// that is not an *http.Transport, which then dials as it likes).
	Client *http.Client
	Logger *slog.Logger
	// Now is the signing clock (tests); nil means time.Now.
	Now func() time.Time
}

// Notifier queues events and delivers them to the configured URLs. It is safe for
// concurrent use. Create it with New and stop it with Close (or by ending New's ctx).
type Notifier struct {
	cfg     Config
	log     *slog.Logger
	senders []*sender

	idPrefix string
	idSeq    atomic.Uint64

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New validates cfg and starts one sender goroutine per URL; they stop when ctx ends
// or Close is called.
func New(ctx context.Context, cfg Config) (*Notifier, error) {
	if len(cfg.URLs) > 0 && cfg.Secret == "" {
		return nil, fmt.Errorf("%w: webhooks need an API secret to sign with", ErrInvalidConfig)
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.GiveUpAfter <= 0 {
		cfg.GiveUpAfter = DefaultGiveUpAfter
	}
	guard := destinationGuard{allowed: cfg.AllowedNetworks}
	// Redirects are never followed: a 307 or 308 would re-POST the signed body to
	// wherever the receiver (or whoever took over its address) points. The copy
	// leaves the caller's client as it was.
	client := guardedClient(cfg.Client, guard)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cfg.Client = client
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:]) // crypto/rand.Read does not fail on Linux
	n := &Notifier{cfg: cfg, log: log.With("component", "webhook"), idPrefix: "evt_" + hex.EncodeToString(rnd[:]) + "_"}
	for _, raw := range cfg.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%w: webhook URL %q is not an absolute http(s) URL", ErrInvalidConfig, raw)
		}
		if err := guard.checkLiteral(u.Hostname()); err != nil {
			return nil, fmt.Errorf("%w: webhook URL %q: %w", ErrInvalidConfig, metricLabel(u), err)
		}
		n.senders = append(n.senders, newSender(n, raw, metricLabel(u)))
	}
	ctx, n.cancel = context.WithCancel(ctx)
	for _, s := range n.senders {
		n.wg.Go(func() { s.run(ctx) })
	}
	return n, nil
}

// metricLabel is the URL without user info and query, which may hold credentials.
func metricLabel(u *url.URL) string {
	return u.Scheme + "://" + u.Host + u.Path
}

// Send queues ev for every URL, filling ID and CreatedAt when empty. It never blocks
// and does not encode: the first sender to need the body encodes it, so an sfu hook
// pays for a copy and a queue append only. When a URL's queue is full the event is
// dropped for that URL (logged and counted). Send takes ownership of ev's pointers
// and Data: the caller must not change them afterwards.
func (n *Notifier) Send(ev Event) {
	if len(n.senders) == 0 {
		return
	}
	if ev.ID == "" {
		ev.ID = n.newEventID()
	}
	if ev.CreatedAt.IsZero() {
		ev.CreatedAt = n.cfg.Now().UTC()
	}
	pl := &payload{ev: ev}
	for _, s := range n.senders {
		s.enqueue(item{id: ev.ID, typ: ev.Type, room: roomName(ev), payload: pl})
	}
}

// payload is one event shared by the queues of every URL, encoded once, lazily.
type payload struct {
	ev   Event
	once sync.Once
	body []byte
	err  error
}

func (p *payload) encode() ([]byte, error) {
	p.once.Do(func() { p.body, p.err = json.Marshal(p.ev) })
	return p.body, p.err
}

func roomName(ev Event) string {
	if ev.Room != nil {
		return ev.Room.Name
	}
	return ""
}

// newEventID returns "evt_<random per Notifier>_<sequence>": unique without a
// syscall per event (hooks are on the sfu's control path).
func (n *Notifier) newEventID() string {
	return n.idPrefix + strconv.FormatUint(n.idSeq.Add(1), 10)
}

// Drain waits until every queue is empty (all events delivered or given up) or ctx
// ends. Servers call it on graceful shutdown before Close.
func (n *Notifier) Drain(ctx context.Context) error {
	for _, s := range n.senders {
		if err := s.drain(ctx); err != nil {
			return fmt.Errorf("webhook: drain %s: %w", s.label, err)
		}
	}
	return nil
}

// Close stops the senders, abandoning queued events, and waits for their goroutines.
// It is idempotent and always returns nil.
func (n *Notifier) Close() error {
	n.closeOnce.Do(func() {
		n.cancel()
		n.wg.Wait()
	})
	return nil
}
