package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/config"
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/api"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/lobby"
	"github.com/ensemble-sfu/ensemble/signalling/server"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
	"github.com/ensemble-sfu/ensemble/sip"
	"github.com/ensemble-sfu/ensemble/web"
)

// runServe runs the server until ctx is cancelled (SIGINT/SIGTERM), then drains:
// /readyz turns 503, new joins are refused, clients are told, and the process exits
// once the rooms are empty or the drain timeout passes. A second signal during the
// drain cuts it short.
func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	load := config.RegisterFlags(fs)
	pprofAddr := pprofFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	log := newLogger(cfg)
	stopPprof, err := startPprof(*pprofAddr, log)
	if err != nil {
		return err
	}
	defer stopPprof()

	// Durable records (rooms, meetings): a bbolt file in the data directory, or Redis.
	st, err := store.Open(ctx, cfg.DataDir, store.RedisOptions{
		Address: cfg.Redis.Address, Password: cfg.Redis.Password, DB: cfg.Redis.DB,
	})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	// Meetings and their rooms are written together now; files from older versions
	// may hold meetings whose room was never written. Give them their room back.
	if repaired, err := store.RepairMeetingRooms(ctx, st); err != nil {
		log.Error("checking meetings for missing rooms failed", "err", err)
	} else if len(repaired) > 0 {
		log.Warn("meetings had no room record; rooms recreated", "rooms", repaired)
	}

	// Webhooks hear the engine's room events; with no URLs the notifier drops them.
	notifier, err := webhook.New(context.Background(), webhook.Config{
		URLs: cfg.Webhooks.URLs, APIKey: cfg.Webhooks.APIKey, Secret: cfg.Keys[cfg.Webhooks.APIKey], Logger: log,
	})
	if err != nil {
		return fmt.Errorf("webhooks: %w", err)
	}
	defer notifier.Close()

	udpMin, udpMax := cfg.PortRange()
	// The engine is not tied to ctx: on a signal we drain first, then close it.
	engine, err := sfu.NewEngine(context.Background(), sfu.Config{
		UDPPort:                 cfg.UDPPort,
		UDPPortMin:              udpMin,
		UDPPortMax:              udpMax,
		TCPPort:                 cfg.TCPPort,
		BindIP:                  cfg.Bind,
		NAT1To1IPs:              cfg.NAT1To1IPs,
		MaxParticipantsPerRoom:  cfg.Limits.MaxParticipantsPerRoom,
		MaxTracksPerParticipant: cfg.Limits.MaxTracksPerParticipant,
		Hooks:                   notifier.Hooks(),
		Logger:                  log,
	})
	if err != nil {
		return fmt.Errorf("start media engine: %w", err)
	}
	defer engine.Close()

	// The lobby (waiting room) of rooms whose record has it on: the signalling
	// server sends guests there, room admins decide over /rtc or the API.
	lob := lobby.New(lobby.Config{Logger: log})
	defer lob.Close()

	verifier := auth.NewVerifier(cfg.Keys)
	srv, err := server.New(server.Config{
		Engine:          engine,
		Verifier:        verifier,
		Store:           st,
		Lobby:           lob,
		Logger:          log,
		ResumeGrace:     cfg.ResumeGrace,
		MaxMessageBytes: int64(cfg.Limits.MaxMessageBytes),
	})
	if err != nil {
		return fmt.Errorf("start signalling: %w", err)
	}
	defer srv.Close()
	if err := srv.RegisterMetrics(notifier); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Bind, strconv.Itoa(cfg.HTTPPort)))
	if err != nil {
		return fmt.Errorf("listen for HTTP: %w", err)
	}
	defer ln.Close()

	// The SIP bridge, when configured, reaches this server as any bridge would:
	// over HTTP and WebSocket, with tokens it signs with the first API key. The
	// API places its dial-out calls.
	var bridge *sip.Bridge
	var dialer api.SIPDialer
	if cfg.SIP.Listen != "" {
		key := cfg.Keys.Names()[0]
		bridge, err = newSIPBridge(cfg.SIP, loopbackURL(ln.Addr()), key, cfg.Keys[key], log)
		if err != nil {
			return err
		}
		defer bridge.Close()
		dialer = sipDialer{bridge}
		if err := srv.RegisterMetrics(bridge.Collectors()...); err != nil {
			return err
		}
	}

	// The room HTTP API under /api/, the browser app at / (a meeting at /<room>).
	srv.Mount("/api/", api.New(api.Deps{
		Engine: engine, Store: st, Verifier: verifier, Keys: cfg.Keys, Dev: cfg.Dev,
		PublicURL: cfg.PublicURL, SIPDomain: cfg.SIP.Domain, PhoneNumber: cfg.SIP.PhoneNumber, Webhooks: notifier, Lobby: lob,
		SIP: dialer, Logger: log,
	}))
	webApp, err := web.NewHandler(web.Options{})
	if err != nil {
		return fmt.Errorf("web app: %w", err)
	}
	srv.Mount("/", webApp)

	httpSrv := server.NewHTTPServer(srv.Handler(), server.HTTPTimeouts{}, log)
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()

	udp := fmt.Sprint(engine.UDPAddr())
	if cfg.UDPPortRange != "" {
		udp = "a port per connection in " + cfg.UDPPortRange
	}
	log.Info("ensemble serving",
		"http", ln.Addr().String(), "udp", udp, "tcp", fmt.Sprint(engine.TCPAddr()),
		"dev", cfg.Dev, "public_url", cfg.PublicURL)
	if cfg.Dev {
		printDevBanner(cfg, ln.Addr())
	}

	sipErr := make(chan error, 1)
	if bridge != nil {
		go func() { sipErr <- bridge.Serve(context.Background()) }()
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("http server: %w", err)
	case err := <-sipErr:
		return fmt.Errorf("sip bridge: %w", err)
	}
	if bridge != nil {
		// Calls end first (BYE), before their room sessions drain.
		bridge.Close()
		if err := <-sipErr; err != nil {
			log.Warn("sip bridge", "err", err)
		}
	}

	// Drain; a second SIGINT/SIGTERM cuts it short.
	dctx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer cancel()
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	go func() {
		select {
		case <-again:
			log.Warn("second signal: closing now")
			cancel()
		case <-dctx.Done():
		}
	}()
	log.Info("shutting down: draining", "timeout", cfg.DrainTimeout)
	if err := srv.Drain(dctx); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		log.Warn("drain", "err", err)
	}
	_ = srv.Close()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		_ = httpSrv.Close()
	}
	engineErr := engine.Close()
	// Deliver the webhooks of the shutdown (room_finished, ...) if they go quickly,
	// before the deferred notifier.Close drops what is left.
	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel()
	if err := notifier.Drain(wctx); err != nil {
		log.Warn("webhooks not all delivered", "err", err)
	}
	if engineErr != nil {
		return fmt.Errorf("close media engine: %w", engineErr)
	}
	log.Info("stopped")
	return nil
}

// newLogger logs as text in development and as JSON otherwise (for log collectors).
func newLogger(cfg *config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.Dev {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

// printDevBanner prints what a developer needs to connect. The dev key is public,
// which is why --dev listens on loopback unless told otherwise.
func printDevBanner(cfg *config.Config, addr net.Addr) {
	fmt.Printf(`
Ensemble development server
  URL:        http://%s   (WebSocket signalling at ws://%s/rtc)
  API key:    %s
  API secret: %s
  Token:      ensemble token --dev --room ROOM --identity NAME
Press Ctrl-C to stop.

`, addr, addr, auth.DevAPIKey, auth.DevAPISecret)
	if cfg.Bind != config.DevBind {
		fmt.Fprintf(os.Stderr, "WARNING: development mode listening on %q with a public API key\n", cfg.Bind)
	}
}
