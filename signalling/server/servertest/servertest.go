package servertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/server"
)

// APIKey is the API key of every test server (its secret is random per server).
const APIKey = "servertest"

// Server is a running test server.
type Server struct {
	URL        string // http://127.0.0.1:port
	WSURL      string // ws://127.0.0.1:port/rtc
	APIKey     string
	APISecret  string
	Engine     *sfu.Engine
	Signalling *server.Server
	Verifier   *auth.Verifier
	Logger     *slog.Logger // the engine's and server's, for handlers mounted with WithHandler

	t    testing.TB
	http *http.Server
}

type options struct {
	serverCfg    server.Config
	engineCfg    sfu.Config
	handlers     []handlerOption
	logger       *slog.Logger
	httpTimeouts server.HTTPTimeouts
}

type handlerOption struct {
	pattern string
	build   func(*Server) http.Handler
}

// Option changes how Start builds the server.
type Option func(*options)

// WithResumeGrace sets how long a dropped participant may resume (default 20 s is
// long for tests).
func WithResumeGrace(d time.Duration) Option {
	return func(o *options) { o.serverCfg.ResumeGrace = d }
}

// WithPingInterval sets the ping interval; a client silent for three of them is
// treated as dropped.
func WithPingInterval(d time.Duration) Option {
	return func(o *options) { o.serverCfg.PingInterval = d }
}

// WithMaxParticipants limits each room.
func WithMaxParticipants(n int) Option {
	return func(o *options) { o.engineCfg.MaxParticipantsPerRoom = n }
}

// WithServerConfig edits the signalling server's configuration (Engine, Verifier
// and Logger are set by Start).
func WithServerConfig(f func(*server.Config)) Option {
	return func(o *options) { f(&o.serverCfg) }
}

// WithEngineConfig edits the engine's configuration (ports and bind IP are set by
// Start to free ports of 127.0.0.1).
func WithEngineConfig(f func(*sfu.Config)) Option {
	return func(o *options) { f(&o.engineCfg) }
}

// WithHandler mounts the handler build returns at pattern (for example "/api/").
// build runs once the engine, the keys and the URL exist, before the server takes
// requests.
func WithHandler(pattern string, build func(*Server) http.Handler) Option {
	return func(o *options) { o.handlers = append(o.handlers, handlerOption{pattern, build}) }
}

// WithHTTPTimeouts replaces the HTTP server's timeouts (server.DefaultHTTPTimeouts).
func WithHTTPTimeouts(t server.HTTPTimeouts) Option {
	return func(o *options) { o.httpTimeouts = t }
}

// WithLogger sends the engine's and server's logs to l.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// Start runs an engine and a signalling server on 127.0.0.1 with free ports, and
// registers their shutdown with t.Cleanup. It fails the test when anything does not
// start.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := &options{logger: testLogger()}
	for _, opt := range opts {
		opt(o)
	}
	secret := randomSecret(t)
	s := &Server{APIKey: APIKey, APISecret: secret, Logger: o.logger, t: t}
	s.Verifier = auth.NewVerifier(auth.Keys{APIKey: secret})

	ecfg := o.engineCfg
	ecfg.UDPPort, ecfg.TCPPort, ecfg.BindIP = 0, 0, "127.0.0.1"
	if ecfg.Logger == nil {
		ecfg.Logger = o.logger
	}
	engine, err := sfu.NewEngine(context.Background(), ecfg)
	if err != nil {
		t.Fatalf("servertest: start engine: %v", err)
	}
	s.Engine = engine

	scfg := o.serverCfg
	scfg.Engine, scfg.Verifier = engine, s.Verifier
	if scfg.Logger == nil {
		scfg.Logger = o.logger
	}
	sig, err := server.New(scfg)
	if err != nil {
		_ = engine.Close()
		t.Fatalf("servertest: signalling server: %v", err)
	}
	s.Signalling = sig

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = sig.Close()
		_ = engine.Close()
		t.Fatalf("servertest: listen: %v", err)
	}
	s.URL = "http://" + ln.Addr().String()
	s.WSURL = "ws://" + ln.Addr().String() + "/rtc"
	// Handlers are built once the address is known (a sign-in handler needs its
	// redirect URL).
	for _, h := range o.handlers {
		sig.Mount(h.pattern, h.build(s))
	}
	s.http = server.NewHTTPServer(sig.Handler(), o.httpTimeouts, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("servertest: serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		_ = sig.Close()
		_ = s.http.Close()
		<-done
		if err := engine.Close(); err != nil {
			t.Errorf("servertest: close engine: %v", err)
		}
	})
	return s
}

// Token mints a token for identity in room, valid for an hour. With no grants it
// has auth.DefaultParticipantGrants; otherwise exactly the named grants (names as
// `ensemble token --grant` takes them: "join", "publish", "subscribe", "hidden", ...).
func (s *Server) Token(room, identity string, grants ...string) string {
	s.t.Helper()
	g := auth.DefaultParticipantGrants()
	if len(grants) > 0 {
		var err error
		if g, err = auth.ParseGrantList(strings.Join(grants, ",")); err != nil {
			s.t.Fatalf("servertest: grants: %v", err)
		}
	}
	return s.TokenWith(auth.TokenParams{Identity: identity, Name: identity, Room: room, Grants: g, TTL: time.Hour})
}

// TokenWith mints a token with the server's key from p.
func (s *Server) TokenWith(p auth.TokenParams) string {
	s.t.Helper()
	tok, err := auth.Sign(s.APIKey, s.APISecret, p)
	if err != nil {
		s.t.Fatalf("servertest: sign token: %v", err)
	}
	return tok
}

// Keys is the server's only API key and its secret, as auth.Keys.
func (s *Server) Keys() auth.Keys { return auth.Keys{s.APIKey: s.APISecret} }

// RTCURL is WSURL with the token (and extra query parameters, "k=v" each) added.
func (s *Server) RTCURL(token string, params ...string) string {
	u := s.WSURL + "?access_token=" + token
	for _, p := range params {
		u += "&" + p
	}
	return u
}

func randomSecret(t testing.TB) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("servertest: random secret: %v", err)
	}
	return hex.EncodeToString(b)
}

func testLogger() *slog.Logger {
	lvl, ok := os.LookupEnv("ENSEMBLE_TEST_LOG")
	if !ok {
		return slog.New(slog.DiscardHandler)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(lvl))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
