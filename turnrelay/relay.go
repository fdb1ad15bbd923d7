package turnrelay

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v5"
)

// Defaults of Config.
const (
	DefaultCredentialTTL      = 6 * time.Hour
	DefaultAllocationsPerUser = 10
	Realm                     = "ensemble"
)

// ErrConfig: the relay cannot start as configured.
var ErrConfig = errors.New("turnrelay: invalid configuration")

// Config configures a Server.
type Config struct {
	// UDPListen ("0.0.0.0:3478") and TLSListen ("0.0.0.0:5349") are where clients
	// reach the relay; "" leaves that transport off (at least one is needed).
	UDPListen, TLSListen string
	// TLS is the certificate configuration of the TLS listener.
	TLS *tls.Config
	// RelayIP is the address relay sockets bind to and advertise: the address the
	// media engine sees relayed packets come from.
	RelayIP net.IP
	// Secret signs the credentials (see SecretFrom).
	Secret []byte
	// MediaIPs are the addresses of the media engine (this machine's interface
	// addresses, its NAT 1:1 addresses) and MediaPort tells its UDP ports: relays
	// send there and nowhere else. Both required.
	MediaIPs  []net.IP
	MediaPort func(port int) bool
	// CredentialTTL is how long minted credentials stay valid (default 6 h).
	CredentialTTL time.Duration
	// AllocationsPerUser bounds the relays one participant holds (default 10).
	AllocationsPerUser int
	Logger             *slog.Logger
	// Now is the clock of minted credentials (tests); nil = time.Now.
	Now func() time.Time
}

// Server is a running relay. Close stops it.
type Server struct {
	cfg Config
	srv *turn.Server
	udp net.PacketConn
	tls net.Listener

	mu          sync.Mutex
	allocations map[string]int // by user id
}

// SecretFrom derives the TURN secret from an API secret, so that a TURN credential
// that leaks reveals nothing about the API secret, and the API secret's rotation
// rotates TURN credentials too.
func SecretFrom(apiSecret string) []byte {
	m := hmac.New(sha256.New, []byte(apiSecret))
	m.Write([]byte("ensemble turn credentials v1"))
	return m.Sum(nil)
}

// New starts the listeners.
func New(cfg Config) (*Server, error) {
	if cfg.UDPListen == "" && cfg.TLSListen == "" {
		return nil, fmt.Errorf("%w: no listener", ErrConfig)
	}
	if cfg.TLSListen != "" && cfg.TLS == nil {
		return nil, fmt.Errorf("%w: TURN over TLS needs a certificate", ErrConfig)
	}
	if len(cfg.Secret) == 0 || len(cfg.MediaIPs) == 0 || cfg.MediaPort == nil || cfg.RelayIP == nil {
		return nil, fmt.Errorf("%w: secret, media filter and relay IP are required", ErrConfig)
	}
	if cfg.CredentialTTL <= 0 {
		cfg.CredentialTTL = DefaultCredentialTTL
	}
	if cfg.AllocationsPerUser <= 0 {
		cfg.AllocationsPerUser = DefaultAllocationsPerUser
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, allocations: map[string]int{}}
	media := mediaFilter{ips: cfg.MediaIPs, port: cfg.MediaPort}
	gen := &mediaOnlyRelay{ip: cfg.RelayIP, allowed: media.allows}
	sc := turn.ServerConfig{
		Realm:         Realm,
		AuthHandler:   turn.LongTermTURNRESTAuthHandler(string(cfg.Secret), nil),
		QuotaHandler:  s.quota,
		LoggerFactory: quietLogs{},
		EventHandler: turn.EventHandler{
			OnAllocationCreated: func(_, _ net.Addr, _, userID, _ string, _ net.Addr, _ int) { s.count(userID, +1) },
			OnAllocationDeleted: func(_, _ net.Addr, _, userID, _ string) { s.count(userID, -1) },
		},
	}
	permit := func(_ net.Addr, peer net.IP) bool { return media.hasIP(peer) }
	if cfg.UDPListen != "" {
		pc, err := net.ListenPacket("udp", cfg.UDPListen)
		if err != nil {
			return nil, fmt.Errorf("turnrelay: listen UDP %s: %w", cfg.UDPListen, err)
		}
		s.udp = pc
		sc.PacketConnConfigs = append(sc.PacketConnConfigs, turn.PacketConnConfig{PacketConn: pc, RelayAddressGenerator: gen, PermissionHandler: permit})
	}
	if cfg.TLSListen != "" {
		ln, err := tls.Listen("tcp", cfg.TLSListen, cfg.TLS)
		if err != nil {
			s.closeListeners()
			return nil, fmt.Errorf("turnrelay: listen TLS %s: %w", cfg.TLSListen, err)
		}
		s.tls = ln
		sc.ListenerConfigs = append(sc.ListenerConfigs, turn.ListenerConfig{Listener: ln, RelayAddressGenerator: gen, PermissionHandler: permit})
	}
	srv, err := turn.NewServer(sc)
	if err != nil {
		s.closeListeners()
		return nil, fmt.Errorf("turnrelay: %w", err)
	}
	s.srv = srv
	return s, nil
}

func (s *Server) closeListeners() {
	if s.udp != nil {
		s.udp.Close()
	}
	if s.tls != nil {
		s.tls.Close()
	}
}

// quota refuses a new allocation (486) to a user holding its maximum.
func (s *Server) quota(username, _ string, _ net.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.allocations[userOf(username)] < s.cfg.AllocationsPerUser
}

func (s *Server) count(userID string, delta int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.allocations[userID] += delta; s.allocations[userID] <= 0 {
		delete(s.allocations, userID)
	}
}

// userOf is the user id of a TURN REST username ("<expiry>:<user>").
func userOf(username string) string {
	if _, u, ok := strings.Cut(username, ":"); ok {
		return u
	}
	return username
}

// UDPAddr and TLSAddr are the listeners' addresses (nil when off).
func (s *Server) UDPAddr() net.Addr {
	if s.udp == nil {
		return nil
	}
	return s.udp.LocalAddr()
}

func (s *Server) TLSAddr() net.Addr {
	if s.tls == nil {
		return nil
	}
	return s.tls.Addr()
}

// Allocations is the number of live relays.
func (s *Server) Allocations() int { return s.srv.AllocationCount() }

// Close stops the relay and its allocations.
func (s *Server) Close() error { return s.srv.Close() }

// Credentials mints the username and password of one participant (room and
// identity are hashed into the user id: TURN logs and quotas need no names).
func (s *Server) Credentials(room, identity string) (username, password string, expires time.Time) {
	sum := sha256.Sum256([]byte(room + "\x00" + identity))
	expires = s.cfg.Now().Add(s.cfg.CredentialTTL)
	username = strconv.FormatInt(expires.Unix(), 10) + ":" + hex.EncodeToString(sum[:12])
	m := hmac.New(sha1New, s.cfg.Secret)
	m.Write([]byte(username))
	return username, base64.StdEncoding.EncodeToString(m.Sum(nil)), expires
}

// quietLogs drops Pion TURN's own logs: failed authentications of scanners would
// flood ours; refusals are counted instead.
type quietLogs struct{}

func (quietLogs) NewLogger(string) logging.LeveledLogger {
	return logging.NewDefaultLeveledLoggerForScope("turn", logging.LogLevelDisabled, discard{})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
