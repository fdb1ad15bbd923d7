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

	"github.com/ensemble-sfu/ensemble/cluster"
	"github.com/ensemble-sfu/ensemble/internal/config"
	"github.com/ensemble-sfu/ensemble/internal/loadguard"
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/api"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/lobby"
	"github.com/ensemble-sfu/ensemble/signalling/oidcauth"
	"github.com/ensemble-sfu/ensemble/signalling/server"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
	"github.com/ensemble-sfu/ensemble/signalling/webhook/sfuhooks"
	"github.com/ensemble-sfu/ensemble/signalling/whip"
	"github.com/ensemble-sfu/ensemble/sip"
	"github.com/ensemble-sfu/ensemble/web"
	"github.com/ensemble-sfu/ensemble/web/outlook"
)

// runServe runs the server until ctx is cancelled (SIGINT/SIGTERM), then drains:
// /readyz turns 503, new joins are refused, clients are told, and the process exits
// once the rooms are empty or the drain timeout passes. A second signal during the
// drain cuts it short.
func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	load := config.RegisterFlags(fs)
	pprofAddr := pprofFlag(fs)
	pionWritePath := fs.Bool("pion-write-path", false, "send forwarded media through Pion's write path instead of the SFU's own (for comparison)")
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

	// Durable records (rooms, meetings): a bbolt file in the data directory, or Redis,
	// whose one client the cluster membership shares.
	rdb, err := connectRedis(ctx, cfg, log)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	var st store.Store
	if rdb != nil {
		defer rdb.Close() // deferred first: closed after the store and the cluster
		st = store.NewRedis(rdb, cfg.Redis.Options().KeyTag())
	} else if st, err = store.Open(ctx, cfg.DataDir, store.RedisOptions{}); err != nil {
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
		AllowedNetworks: cfg.Webhooks.AllowedNetworks(), GiveUpAfter: cfg.Webhooks.GiveUpAfter,
	})
	if err != nil {
		return fmt.Errorf("webhooks: %w", err)
	}
	defer notifier.Close()

	// Listen first: the recorders join this server through its own address.
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Bind, strconv.Itoa(cfg.HTTPPort)))
	if err != nil {
		return fmt.Errorf("listen for HTTP: %w", err)
	}
	defer ln.Close()
	// In-process clients (recorders, the SIP bridge) reach the server over plain HTTP
	// on loopback: with TLS on, the public listener's certificate names the public
	// host, not 127.0.0.1.
	inner := ln
	if cfg.TLS.Enabled() {
		if inner, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return fmt.Errorf("listen for in-process clients: %w", err)
		}
		defer inner.Close()
	}
	joined := &joinedCluster{} // set once the node joined the cluster
	var recCluster *recordingCluster
	if rdb != nil {
		recCluster = &recordingCluster{clus: joined}
	}
	recorder, err := newRecordingRunner(ctx, cfg, st, notifier, inner.Addr(), recCluster, log)
	if err != nil {
		return err
	}
	if failed, err := recorder.Recover(ctx); err != nil {
		log.Error("checking for interrupted recordings failed", "err", err)
	} else if len(failed) > 0 {
		log.Warn("recordings interrupted by the last stop are marked failed", "recordings", failed)
	}
	// Record workers renew their claims; a dead one's recordings end failed.
	leases, stopLeases := context.WithCancel(ctx)
	defer stopLeases()
	go recorder.WatchLeases(leases)

	// Rooms spanning nodes (cluster.max_participants_per_node): relay tokens
	// are signed with the first API key, which every node shares.
	relayKey := cfg.Keys.Names()[0]
	cas := newCascader(cfg.Cluster.MaxParticipantsPerNode, relayKey, cfg.Keys[relayKey], joined, log)
	cas.nearURL = loopbackURL(inner.Addr())

	// The lobby's admissions outlive a node on a cluster (admissions.go).
	admissions := &clusterAdmissions{clus: joined, log: log}
	defer admissions.close()

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
		MaxRooms:                cfg.Limits.MaxRooms,
		PionWritePath:           *pionWritePath,
		Hooks:                   cas.hooks(admissions.withForgottenOnRemoval(withAutoRecord(sfuhooks.Of(notifier), recorder))),
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

	// The node's CPU and forwarding budget, measured once a second when set.
	guard := loadguard.New(loadguard.Budget{
		MaxCPU: cfg.Limits.MaxCPUPercent / 100, MaxEgressBps: int64(cfg.Limits.MaxEgressMbps * 1e6),
	}, loadguard.Options{EgressBytes: func() uint64 { return engine.Stats().BytesOut }})
	defer guard.Close()

	tlsCfg, err := serverTLS(ctx, cfg, log)
	if err != nil {
		return err
	}
	relay, turnServers, err := startTURN(cfg, engine, tlsCfg, log)
	if err != nil {
		return fmt.Errorf("turn: %w", err)
	}
	if relay != nil {
		defer relay.Close()
	}

	verifier := auth.NewVerifier(cfg.Keys)
	srv, err := server.New(server.Config{
		Engine:          engine,
		Verifier:        verifier,
		Store:           st,
		Lobby:           lob,
		Admissions:      admissions,
		Logger:          log,
		ResumeGrace:     cfg.ResumeGrace,
		MaxMessageBytes: int64(cfg.Limits.MaxMessageBytes),
		Overload:        guard.Check,
		ICEServersFor:   turnServers,
	})
	if err != nil {
		return fmt.Errorf("start signalling: %w", err)
	}
	defer srv.Close()
	if err := srv.RegisterMetrics(notifier); err != nil {
		return err
	}

	// Several nodes on Redis: register, place rooms, route to their hosts.
	clus, err := joinCluster(ctx, cfg, rdb, engine, srv, guard, log)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	nodeName := nodeID(cfg)
	var listNodes func(context.Context) ([]cluster.NodeInfo, error)
	if clus != nil {
		defer clus.Close()
		listNodes = clus.Nodes
		// /metrics shows what GET /api/v1/nodes lists.
		if err := srv.RegisterMetrics(clus.Collector()); err != nil {
			return err
		}
		if err := srv.RegisterMetrics(cas.counters.Collectors()...); err != nil {
			return err
		}
		cas.engine.Store(engine)
		joined.join(clus)
		defer cas.close() // before the engine and the cluster close
	}

	// Hosts sign in through the organisation's identity provider, when configured.
	var sessions *oidcauth.Auth
	if cfg.OIDC.Issuer != "" {
		if sessions, err = oidcauth.New(cfg.OIDC.SignIn(), log); err != nil {
			return fmt.Errorf("sign-in: %w", err)
		}
		// Sign-outs are kept in the store, so that every node refuses them.
		if r, ok := st.(store.SessionRevocations); ok {
			sessions.UseRevocations(r)
		}
		srv.Mount("/auth/", sessions.Handler())
		if cfg.OIDC.SessionSecret == "" {
			log.Warn("oidc.session_secret is not set: sessions end when the server restarts and are not shared between nodes")
		}
	}

	// The SIP bridge, when configured, reaches this server as any bridge would:
	// over HTTP and WebSocket, with tokens it signs with the first API key. The
	// API places its dial-out calls.
	var bridge *sip.Bridge
	var dialer api.SIPDialer
	if cfg.SIP.Listen != "" {
		key := cfg.Keys.Names()[0]
		// A placed call's progress reaches the webhooks (sip_call_progress) and
		// the people in its room (data, topic sip_call).
		onDial := func(d sip.Dialed) { api.AnnounceSIPProgress(engine, notifier, participant(d)) }
		bridge, err = newSIPBridge(cfg.SIP, loopbackURL(inner.Addr()), key, cfg.Keys[key], log, onDial)
		if err != nil {
			return err
		}
		defer bridge.Close()
		dialer = sipDialer{bridge}
		if err := srv.RegisterMetrics(bridge.Collectors()...); err != nil {
			return err
		}
		if err := srv.SetReadyDetail("sip", sipReadyDetail(bridge)); err != nil {
			return err
		}
	}
	if cfg.SIP.BridgeURL != "" {
		// A bridge in its own process (ensemble sip --http) places the calls.
		key, secret := cfg.BridgeKey()
		remote := newRemoteSIPDialer(cfg.SIP.BridgeURL, key, secret, engine, notifier, log)
		defer remote.Close()
		dialer = remote
	}

	// The room HTTP API under /api/, the browser app at / (a meeting at /<room>).
	// POST /api/v1/nodes/{this node}/drain drains as SIGTERM does.
	drain := newDrainTrigger(nodeName)
	srv.Mount("/api/", api.New(api.Deps{
		NodeID: nodeName, Nodes: listNodes, DrainNode: drain.request,
		Engine: engine, Store: st, Verifier: verifier, Keys: cfg.Keys, Dev: cfg.Dev,
		PublicURL: cfg.PublicURL, SIPDomain: cfg.SIP.Domain, PhoneNumber: cfg.SIP.PhoneNumber, Webhooks: notifier, Lobby: lob,
		Sessions: sessions, Recordings: recorder, SIP: dialer, Logger: log,
	}))
	// The Outlook add-in: its manifest and task pane, URLs from the public URL.
	addin, err := outlook.Handler(outlook.Options{PublicURL: cfg.PublicURL})
	if err != nil {
		return fmt.Errorf("outlook add-in: %w", err)
	}
	srv.Mount(outlook.Prefix, addin)
	// WHIP (an encoder publishes as an ingress) and WHEP (a player watches).
	ingest, err := whip.New(whip.Config{Server: srv, Verifier: verifier, Logger: log})
	if err != nil {
		return fmt.Errorf("whip: %w", err)
	}
	defer ingest.Close()
	srv.Mount("/whip/", ingest)
	srv.Mount("/whep/", ingest)
	webApp, err := web.NewHandler(web.Options{})
	if err != nil {
		return fmt.Errorf("web app: %w", err)
	}
	srv.Mount("/", webApp)

	root := srv.Handler()
	if clus != nil {
		root = routeToHost(root, clus, cfg.Cluster.MaxParticipantsPerNode, verifier, log)
	}
	handler := publicEdge(cfg, root, verifier)
	httpSrv := server.NewHTTPServer(handler, server.HTTPTimeouts{}, log)
	serveErr := make(chan error, 2)
	if tlsCfg != nil {
		httpSrv.TLSConfig = tlsCfg
		go func() { serveErr <- httpSrv.ServeTLS(ln, "", "") }()
		go func() { serveErr <- httpSrv.Serve(inner) }()
	} else {
		go func() { serveErr <- httpSrv.Serve(ln) }()
	}

	udp := fmt.Sprint(engine.UDPAddr())
	if cfg.UDPPortRange != "" {
		udp = "a port per connection in " + cfg.UDPPortRange
	}
	log.Info("ensemble serving",
		"http", ln.Addr().String(), "udp", udp, "tcp", fmt.Sprint(engine.TCPAddr()),
		"tls", tlsCfg != nil, "dev", cfg.Dev, "public_url", cfg.PublicURL)
	if cfg.Dev {
		printDevBanner(cfg, ln.Addr())
	}

	sipErr := make(chan error, 1)
	if bridge != nil {
		go func() { sipErr <- bridge.Serve(context.Background()) }()
	}

	select {
	case <-ctx.Done():
	case <-drain.requested:
		log.Info("drain requested through the API")
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
	srv.BeginDrain(dctx)
	if clus != nil {
		// No new room here, and the rooms free for other nodes; then their
		// participants are told to join again (room_moved) and land there.
		if err := clus.Drain(dctx); err != nil {
			log.Error("cannot hand the rooms to other nodes; they end with the drain", "err", err)
			drain.started()
		} else {
			drain.started()
			srv.Evacuate()
		}
	}
	drain.started()
	if err := srv.Drain(dctx); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		log.Warn("drain", "err", err)
	}
	// The recordings end with their rooms; finish storing their files.
	if err := recorder.Close(dctx); err != nil {
		log.Warn("recordings not finished before the drain deadline; they will be marked failed at the next start", "err", err)
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
