package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/lobby"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Defaults applied by New to a Config's zero fields.
const (
	DefaultResumeGrace     = 20 * time.Second
	DefaultPingInterval    = 10 * time.Second
	DefaultMaxMessageBytes = 64 << 10
	DefaultOutgoingQueue   = 512
	DefaultRateLimit       = 100 // messages per second, sustained
	DefaultRateBurst       = 400
	// pingTimeouts is how many ping intervals of silence end a session.
	pingTimeouts = 3
	// writeTimeout bounds one WebSocket write; a client that does not read for that
	// long is treated as gone.
	writeTimeout = 10 * time.Second
)

// Version is reported to clients in JoinResponse.ServerVersion.
var Version = "dev"

// Config configures a Server.
type Config struct {
	Engine   *sfu.Engine    // required; the caller closes it after the server
	Verifier *auth.Verifier // required; checks the tokens at /rtc
	Logger   *slog.Logger   // nil = slog.Default()

	// Store, when set, holds the room records of the HTTP API: a joiner is held to
	// the record's max_participants, the live room starts with its metadata, and a
	// record with lobby on sends guests to Lobby.
	Store store.Store
	// Lobby, when set, is the waiting room of rooms whose record has lobby on
	// (shared with the HTTP API, which lists and decides too). Room admins hear
	// knocks over /rtc. Nil: no lobby, everyone joins at once.
	Lobby *lobby.Lobby
	// Admissions, when set, remembers beyond this node which guests a room admin
	// let in (admissions.go): on a cluster, a guest whose node was lost or
	// drained comes back without knocking. Nil: a guest's admission lasts as
	// long as its session.
	Admissions Admissions

	// ResumeGrace is how long a participant whose connection dropped is kept for a
	// resume; default DefaultResumeGrace.
	ResumeGrace time.Duration
	// PingInterval is how often clients should ping; a session silent for three
	// intervals is treated as a dropped connection. Default DefaultPingInterval.
	PingInterval time.Duration
	// MaxMessageBytes is the largest client message read; a larger one closes the
	// WebSocket (status 1009). Default DefaultMaxMessageBytes.
	MaxMessageBytes int64
	// OutgoingQueue is how many messages may wait for a slow client before lossy
	// ones are dropped and, when only reliable ones are left, the session is dropped.
	OutgoingQueue int
	// RateLimit (messages per second) and RateBurst bound what one client may send;
	// a client over the limit gets an error rate_limited and its session is dropped.
	RateLimit float64
	RateBurst int
	// Overload, when set, is asked before each new join (not resumes); an error
	// refuses the join with 503 server_overloaded and Retry-After (the node is past
	// its CPU or bandwidth budget: see internal/loadguard).
	Overload func() error
	// ICEServers are handed to clients in the join response, followed by what
	// ICEServersFor returns for the participant (the embedded TURN relay's
	// credentials, minted per participant).
	ICEServers    []protocol.ICEServer
	ICEServersFor func(room, identity string) []protocol.ICEServer
	// Registry receives the server's metrics; nil = a new registry with the Go and
	// process collectors (served at /metrics either way).
	Registry *prometheus.Registry
}

func (c *Config) applyDefaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.ResumeGrace <= 0 {
		c.ResumeGrace = DefaultResumeGrace
	}
	if c.PingInterval <= 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.OutgoingQueue <= 0 {
		c.OutgoingQueue = DefaultOutgoingQueue
	}
	if c.RateLimit <= 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.RateBurst <= 0 {
		c.RateBurst = DefaultRateBurst
	}
}

// Server is the signalling server. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *metrics

	mu       sync.Mutex
	peers    map[string]*peer // by participant SID
	conns    map[*conn]struct{}
	draining bool
	closed   bool
	// readyDetails are added to /readyz's answer (SetReadyDetail).
	readyDetails map[string]func() any
	// drainDeadline is when a drain closes the remaining sessions (for the draining
	// message sent to clients that connect or resume meanwhile).
	drainDeadline time.Time
	// changed is closed and replaced whenever a peer leaves, so Drain can wait for
	// rooms to empty without polling.
	changed chan struct{}

	wg sync.WaitGroup // conn and peer goroutines
}

// New builds a server. It starts nothing: serve Handler() with an http.Server.
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil {
		return nil, ErrNoEngine
	}
	if cfg.Verifier == nil {
		return nil, ErrNoVerifier
	}
	cfg.applyDefaults()
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		mux:     http.NewServeMux(),
		peers:   make(map[string]*peer),
		conns:   make(map[*conn]struct{}),
		changed: make(chan struct{}),
	}
	m, err := newMetrics(s, cfg.Registry)
	if err != nil {
		return nil, fmt.Errorf("server metrics: %w", err)
	}
	s.metrics = m
	s.mux.HandleFunc("/rtc", s.serveRTC)
	s.mux.HandleFunc("GET /healthz", s.serveHealthz)
	s.mux.HandleFunc("GET /readyz", s.serveReadyz)
	s.mux.Handle("GET /metrics", m.handler())
	return s, nil
}

// Handler is the server's root handler: /rtc, /healthz, /readyz, /metrics and
// whatever was mounted.
func (s *Server) Handler() http.Handler { return s.mux }

// Mount serves h at pattern (http.ServeMux syntax): "/api/" for the room API, "/"
// for the browser app. The server's own paths take precedence as more specific
// patterns. Mount panics on a conflicting pattern, like http.ServeMux.Handle.
func (s *Server) Mount(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// RegisterMetrics adds collectors of other parts (webhooks, store) to /metrics.
func (s *Server) RegisterMetrics(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := s.metrics.registry.Register(c); err != nil {
			return fmt.Errorf("register metrics: %w", err)
		}
	}
	return nil
}

// Engine is the sfu engine the server drives.
func (s *Server) Engine() *sfu.Engine { return s.cfg.Engine }

// Draining reports whether Drain was called.
func (s *Server) Draining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

// Sessions is the number of participants the server holds, connected or waiting
// for a resume.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.peers)
}

// Close ends every session at once (close reason server_shutdown) and waits for the
// server's goroutines. It does not close the engine.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.draining = true
	peers := s.peerList()
	s.mu.Unlock()
	s.endLobbyWaits(errServerClosing)
	closePeers(peers, vocab.ReasonServerShutdown)
	// Give the close messages a moment to leave, then cut what is left.
	s.waitConns(2 * time.Second)
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.end(ErrClosed)
	}
	s.wg.Wait()
	return nil
}

// goAdd counts n goroutines about to start, unless the server is closed: Close
// waits for them, so none may start once it began waiting.
func (s *Server) goAdd(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(n)
	return true
}

// peerList copies the peers; s.mu must be held.
func (s *Server) peerList() []*peer {
	out := make([]*peer, 0, len(s.peers))
	for _, p := range s.peers {
		out = append(out, p)
	}
	return out
}

// waitConns waits up to d for every conn to end.
func (s *Server) waitConns(d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		s.mu.Lock()
		n, changed := len(s.conns), s.changed
		s.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			return
		}
	}
}

// closePeers closes the participants in parallel: each Close waits for its media
// connections to stop, which adds up on a busy server.
func closePeers(peers []*peer, reason vocab.CloseReason) {
	var wg sync.WaitGroup
	for _, p := range peers {
		wg.Go(func() { p.part.Close(reason) })
	}
	wg.Wait()
}

// notifyChanged wakes Drain; s.mu must be held.
func (s *Server) notifyChanged() {
	close(s.changed)
	s.changed = make(chan struct{})
}
