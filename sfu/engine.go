package sfu

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/internal/starvation"
	"github.com/ensemble-sfu/ensemble/sfu/srtpout"
	"github.com/ensemble-sfu/ensemble/sfu/twccext"
	"github.com/ensemble-sfu/ensemble/sfu/udpbatch"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Batched UDP writes: up to udpBatchSize datagrams per sendmmsg, flushed at the
// latest udpBatchInterval after the first so that a quiet stream is not
// delayed further (package udpbatch: nothing runs while nothing is queued).
// A batch holds a video frame's packets for 150 subscribers and more (6 × 150),
// so that each subscriber's share goes as one UDP_SEGMENT message
// (BENCHMARKS.md, "UDP GSO"); sendmmsg takes at most 1024 (UIO_MAXIOV).
const (
	udpBatchSize     = 1024
	udpBatchInterval = 2 * time.Millisecond
	// udpSocketBuffer is the receive and send buffer asked for the media socket.
	udpSocketBuffer = 4 << 20
)

// Engine owns the media sockets and the rooms.
type Engine struct {
	cfg Config
	log *slog.Logger
	api *webrtc.API // publisher connections
	// sub holds what subscriber connections are made of (with bandwidth
	// estimation): each has an API of its own (apiParts.api).
	sub apiParts
	bwe *estimatorRegistry
	// starvation is shared by the estimators of every room: it measures
	// the process.
	starvation *starvation.Meter
	// estimateCeiling, while above 0, caps every subscriber's estimate and
	// stops probing (tests only: it puts a link's estimate where a test
	// needs it without depending on how fast the estimator reacts to a shaped link).
	estimateCeiling atomic.Int64
	stats           engineStats
	ctx             context.Context
	cancel          context.CancelFunc

	udpConn *udpbatch.Conn
	udpMux  *ice.UDPMuxDefault
	tcpLn   net.Listener
	tcpMux  *ice.TCPMuxDefault

	mu     sync.Mutex
	rooms  map[string]*Room
	closed bool
	roomWG sync.WaitGroup // one per room until it is closed and cleaned up
	wg     sync.WaitGroup // the goroutine that shuts the engine down
}

// NewEngine opens the UDP (and unless disabled, TCP) sockets and prepares the
// WebRTC API. The engine closes when ctx is done or Close is called.
func NewEngine(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxTracksPerParticipant <= 0 {
		cfg.MaxTracksPerParticipant = DefaultMaxTracksPerParticipant
	}
	if cfg.UDPPort < 0 || cfg.UDPPort > 65535 || cfg.TCPPort < -1 || cfg.TCPPort > 65535 {
		return nil, fmt.Errorf("%w: ports udp=%d tcp=%d", ErrInvalidArgument, cfg.UDPPort, cfg.TCPPort)
	}
	if cfg.UDPPortMin != 0 || cfg.UDPPortMax != 0 {
		if cfg.UDPPortMin < 1 || cfg.UDPPortMax > 65535 || cfg.UDPPortMin >= cfg.UDPPortMax {
			return nil, fmt.Errorf("%w: UDP port range %d-%d (want 1 <= min < max <= 65535)", ErrInvalidArgument, cfg.UDPPortMin, cfg.UDPPortMax)
		}
	}
	var bindIP net.IP
	if cfg.BindIP != "" {
		if bindIP = net.ParseIP(cfg.BindIP); bindIP == nil {
			return nil, fmt.Errorf("%w: bind IP %q", ErrInvalidArgument, cfg.BindIP)
		}
	}
	e := &Engine{cfg: cfg, log: cfg.Logger.With("component", "sfu"), rooms: map[string]*Room{}}
	e.ctx, e.cancel = context.WithCancel(ctx)

	if err := e.openSockets(bindIP); err != nil {
		e.closeSockets()
		e.cancel()
		return nil, err
	}
	e.bwe = newEstimatorRegistry()
	e.starvation = starvation.New()
	pub, err := e.newAPIParts(bindIP, false)
	if err == nil {
		e.sub, err = e.newAPIParts(bindIP, true)
	}
	if err != nil {
		e.closeSockets()
		e.cancel()
		return nil, err
	}
	e.api = pub.api(nil)

	e.wg.Add(1)
	go func() { // closes the engine with its context
		defer e.wg.Done()
		<-e.ctx.Done()
		e.shutdown()
	}()
	udp := fmt.Sprint(e.UDPAddr())
	if e.portRange() {
		udp = fmt.Sprintf("a port per connection in %d-%d", cfg.UDPPortMin, cfg.UDPPortMax)
	}
	e.log.Info("sfu engine started", "udp", udp, "tcp", fmt.Sprint(e.TCPAddr()))
	return e, nil
}

// portRange reports whether each connection takes its own port (Config.UDPPortMin).
func (e *Engine) portRange() bool { return e.cfg.UDPPortMin != 0 }

func (e *Engine) openSockets(bindIP net.IP) error {
	if !e.portRange() {
		if err := e.openUDPMux(bindIP); err != nil {
			return err
		}
	}
	return e.openTCP(bindIP)
}

func (e *Engine) openUDPMux(bindIP net.IP) error {
	network := "udp"
	if bindIP != nil && bindIP.To4() != nil {
		network = "udp4"
	}
	uc, err := net.ListenUDP(network, &net.UDPAddr{IP: bindIP, Port: e.cfg.UDPPort})
	if err != nil {
		return fmt.Errorf("listen udp: %w", err)
	}
	// One socket carries every participant's media: the default buffers (about 200 KB)
	// overflow at a few hundred Mbit/s of bursty video. The kernel caps these at
	// net.core.rmem_max / wmem_max; a smaller buffer is still usable, so errors are
	// only logged.
	if err := uc.SetReadBuffer(udpSocketBuffer); err != nil {
		e.log.Warn("could not enlarge the UDP receive buffer", "bytes", udpSocketBuffer, "err", err)
	}
	if err := uc.SetWriteBuffer(udpSocketBuffer); err != nil {
		e.log.Warn("could not enlarge the UDP send buffer", "bytes", udpSocketBuffer, "err", err)
	}
	if e.udpConn, err = udpbatch.New(uc, udpbatch.Options{BatchSize: udpBatchSize, FlushAfter: udpBatchInterval, Segment: true}); err != nil {
		_ = uc.Close()
		return fmt.Errorf("media socket: %w", err)
	}
	logger := pionLogs{e.log}
	e.udpMux = ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: e.udpConn, Logger: logger.NewLogger("udpmux")})
	return nil
}

func (e *Engine) openTCP(bindIP net.IP) error {
	logger := pionLogs{e.log}
	if e.cfg.TCPPort >= 0 {
		tnet := "tcp"
		if bindIP != nil && bindIP.To4() != nil {
			tnet = "tcp4"
		}
		ln, err := net.ListenTCP(tnet, &net.TCPAddr{IP: bindIP, Port: e.cfg.TCPPort})
		if err != nil {
			return fmt.Errorf("listen tcp: %w", err)
		}
		e.tcpLn = ln
		e.tcpMux = ice.NewTCPMuxDefault(ice.TCPMuxParams{
			// No write buffer of the mux's own: with one, a subscriber that
			// stops reading its socket gets up to that many bytes queued
			// (seconds of stale media), then its packets are dropped
			// without an error (ICE swallows it), and nobody notices. Written
			// straight to the socket, its writes block instead, in the
			// writer goroutine of each of its DownTracks (stall.go), which
			// then stall and are announced paused.
			Listener: ln, Logger: logger.NewLogger("tcpmux"), ReadBufferSize: 32,
		})
	}
	return nil
}

func (e *Engine) closeSockets() {
	if e.udpMux != nil {
		_ = e.udpMux.Close() // closes e.udpConn too
	} else if e.udpConn != nil {
		_ = e.udpConn.Close()
	}
	if e.tcpMux != nil {
		_ = e.tcpMux.Close() // closes the listener
	} else if e.tcpLn != nil {
		_ = e.tcpLn.Close()
	}
}

// apiParts are the media engine, interceptors and settings of a WebRTC API.
type apiParts struct {
	media    *webrtc.MediaEngine
	registry *interceptor.Registry
	settings webrtc.SettingEngine
}

// api builds an API of these parts; keys, if not nil, gets the DTLS settings
// that give it the connection's keys (package srtpout): the API must then
// serve that connection alone. Connections copy the media engine and build
// their interceptors from the registry, so APIs can share both.
func (p *apiParts) api(keys *srtpout.Keys) *webrtc.API {
	s := p.settings
	if keys != nil {
		keys.Configure(&s)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(p.media), webrtc.WithInterceptorRegistry(p.registry), webrtc.WithSettingEngine(s))
}

// newAPIParts builds the parts of the WebRTC API of publisher connections, or
// with subscriber set, of subscriber connections (which estimate their
// bandwidth).
func (e *Engine) newAPIParts(bindIP net.IP, subscriber bool) (apiParts, error) {
	m, err := newMediaEngine()
	if err != nil {
		return apiParts{}, err
	}
	var bwe interceptor.Factory
	if subscriber {
		bwe = e.bwe.factory()
	}
	twcc := interceptor.Factory(twccext.Factory{})
	if subscriber {
		twcc = e.bwe.twccFactory()
	}
	reg, err := newInterceptors(m, rtcpCounterFactory{&e.stats}, bwe, twcc)
	if err != nil {
		return apiParts{}, err
	}
	// Full ICE rather than ICE-lite: the server also checks pairs toward the
	// client, which copes better with late trickled candidates and ICE-TCP, for
	// a few STUN packets more.
	var s webrtc.SettingEngine
	s.LoggerFactory = pionLogs{e.log}
	if e.udpMux != nil {
		s.SetICEUDPMux(e.udpMux)
	} else if err := s.SetEphemeralUDPPortRange(uint16(e.cfg.UDPPortMin), uint16(e.cfg.UDPPortMax)); err != nil {
		return apiParts{}, fmt.Errorf("%w: UDP port range: %w", ErrInvalidArgument, err)
	}
	// AES-128-GCM first (Pion prefers AES-256-GCM): SRTP encryption is paid per
	// packet and subscriber, and 128-bit AES does 10 rounds instead of 14.
	s.SetSRTPProtectionProfiles(dtls.SRTP_AEAD_AES_128_GCM, dtls.SRTP_AEAD_AES_256_GCM, dtls.SRTP_AES128_CM_HMAC_SHA1_80)
	// IPv6 candidates too unless bound to one IPv4 address ("0.0.0.0" included).
	withV6 := bindIP == nil || bindIP.To4() == nil
	types := []webrtc.NetworkType{webrtc.NetworkTypeUDP4}
	if withV6 {
		types = append(types, webrtc.NetworkTypeUDP6)
	}
	if e.tcpMux != nil {
		s.SetICETCPMux(e.tcpMux)
		types = append(types, webrtc.NetworkTypeTCP4)
		if withV6 {
			types = append(types, webrtc.NetworkTypeTCP6)
		}
	}
	s.SetNetworkTypes(types)
	if bindIP != nil && !bindIP.IsUnspecified() {
		// Only the bound address is reachable: advertise nothing else.
		s.SetIPFilter(func(ip net.IP) bool { return ip.Equal(bindIP) })
		s.SetIncludeLoopbackCandidate(bindIP.IsLoopback())
	}
	if len(e.cfg.NAT1To1IPs) > 0 {
		err := s.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External:        e.cfg.NAT1To1IPs,
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		})
		if err != nil {
			return apiParts{}, fmt.Errorf("%w: NAT 1:1 IPs: %w", ErrInvalidArgument, err)
		}
	}
	// mDNS would only add candidates nobody outside can resolve.
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// A connection silent for 15 s has failed and its participant is closed
	// (ReasonTransportFailure); a resuming client restarts ICE well before.
	s.SetICETimeouts(5*time.Second, 15*time.Second, 2*time.Second)
	return apiParts{media: m, registry: reg, settings: s}, nil
}

// UDPAddr is the bound UDP address (useful with port 0); nil when each
// connection has a port of its own (Config.UDPPortMin).
func (e *Engine) UDPAddr() *net.UDPAddr {
	if e.udpConn == nil {
		return nil
	}
	a, _ := e.udpConn.LocalAddr().(*net.UDPAddr)
	return a
}

// TCPAddr is the bound ICE-TCP address; nil when ICE-TCP is disabled.
func (e *Engine) TCPAddr() *net.TCPAddr {
	if e.tcpLn == nil {
		return nil
	}
	a, _ := e.tcpLn.Addr().(*net.TCPAddr)
	return a
}

// GetOrCreateRoom returns the open room with this name, creating it if needed.
func (e *Engine) GetOrCreateRoom(name string) (*Room, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: empty room name", ErrInvalidArgument)
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, ErrEngineClosed
	}
	// A room that decided to close takes no one in: its name gets a new room at
	// once (forgetRoom leaves the new one alone).
	if r, ok := e.rooms[name]; ok && !r.isClosing() {
		e.mu.Unlock()
		return r, nil
	}
	if err := e.roomSpaceLocked(); err != nil {
		e.mu.Unlock()
		return nil, err
	}
	r := newRoom(e, name)
	e.rooms[name] = r
	e.roomWG.Add(1)
	e.mu.Unlock()
	e.stats.rooms.Add(1)
	r.start()
	if h := e.cfg.Hooks.RoomStarted; h != nil {
		h(r.Info())
	}
	return r, nil
}

// CheckNewRoom tells whether a room could be opened now (MaxRooms), without
// opening one: for refusing a join before it is attempted.
func (e *Engine) CheckNewRoom() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.roomSpaceLocked()
}

func (e *Engine) roomSpaceLocked() error {
	if e.cfg.MaxRooms <= 0 {
		return nil
	}
	open := 0
	for _, r := range e.rooms {
		if !r.isClosing() {
			open++
		}
	}
	if open >= e.cfg.MaxRooms {
		return fmt.Errorf("%w (%d)", ErrTooManyRooms, e.cfg.MaxRooms)
	}
	return nil
}

// Room returns the open room with this name.
func (e *Engine) Room(name string) (*Room, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.rooms[name]
	return r, ok
}

// Rooms lists the open rooms.
func (e *Engine) Rooms() []*Room {
	e.mu.Lock()
	defer e.mu.Unlock()
	rooms := make([]*Room, 0, len(e.rooms))
	for _, r := range e.rooms {
		rooms = append(rooms, r)
	}
	return rooms
}

// forgetRoom removes a closing room from the engine.
func (e *Engine) forgetRoom(r *Room) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rooms[r.name] == r {
		delete(e.rooms, r.name)
	}
}

// roomClosed is called by a room once it is closed and its goroutines are done.
func (e *Engine) roomClosed(r *Room) {
	e.stats.rooms.Add(-1)
	if h := e.cfg.Hooks.RoomFinished; h != nil {
		h(r.Info())
	}
	e.roomWG.Done()
}

// Close closes every room (ReasonServerShutdown) and the sockets, and waits for
// every goroutine the engine started.
func (e *Engine) Close() error {
	e.cancel()
	e.wg.Wait()
	return nil
}

func (e *Engine) shutdown() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	rooms := make([]*Room, 0, len(e.rooms))
	for _, r := range e.rooms {
		rooms = append(rooms, r)
	}
	e.mu.Unlock()
	for _, r := range rooms {
		go r.Close(vocab.ReasonServerShutdown) // rooms close in parallel; roomWG waits for them
	}
	// Rooms that were closing already are waited for too: no connection may
	// outlive the sockets.
	e.roomWG.Wait()
	e.closeSockets()
	e.log.Info("sfu engine closed")
}
