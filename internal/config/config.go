package config

import (
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
)

// Defaults.
const (
	DefaultHTTPPort        = 7880
	DefaultTCPPort         = 7881
	DefaultUDPPort         = 7882
	DefaultMaxMessageBytes = 64 << 10
	DefaultResumeGrace     = 20 * time.Second
	DefaultDrainTimeout    = 30 * time.Second
	DefaultLogLevel        = "info"
	// DevBind is where --dev listens unless told otherwise: nothing outside the machine
	// can reach a server that runs with a published key.
	DevBind = "127.0.0.1"
)

// Config is the server configuration. The YAML names are those of the configuration
// file (see deploy/ensemble.example.yaml).
type Config struct {
	// Dev is development mode (--dev): the public development key, loopback bind.
	Dev bool `yaml:"-"`
	// Bind is the IP the HTTP/WebSocket, UDP and TCP listeners use; "" = all interfaces.
	Bind string `yaml:"bind"`
	// Ports; 0 picks a free port (tests). TCPPort -1 disables ICE-TCP.
	HTTPPort int `yaml:"http_port"`
	UDPPort  int `yaml:"udp_port"`
	TCPPort  int `yaml:"tcp_port"`
	// UDPPortRange ("50000-60000"), when set, gives each peer connection its own
	// UDP port in the range instead of the one udp_port: for servers that media
	// bridges reach from one local port each (see sfu.Config.UDPPortMin).
	UDPPortRange string `yaml:"udp_port_range"`
	// NAT1To1IPs are public IPs advertised in ICE candidates instead of local ones.
	NAT1To1IPs []string `yaml:"nat_1to1_ips"`
	// Keys are the API keys and their secrets.
	Keys   auth.Keys `yaml:"keys"`
	Limits Limits    `yaml:"limits"`
	// ResumeGrace is how long a participant whose connection dropped may resume.
	ResumeGrace time.Duration `yaml:"resume_grace"`
	// DrainTimeout bounds the graceful shutdown after SIGTERM.
	DrainTimeout time.Duration `yaml:"drain_timeout"`
	// DataDir holds the embedded store; default $XDG_DATA_HOME/ensemble or
	// ~/.local/share/ensemble.
	DataDir   string   `yaml:"data_dir"`
	Redis     Redis    `yaml:"redis"`
	Webhooks  Webhooks `yaml:"webhooks"`
	PublicURL string   `yaml:"public_url"` // base URL of join links; default http://<bind>:<http_port>
	SIP       SIP      `yaml:"sip"`
	LogLevel  string   `yaml:"log_level"` // debug, info, warn, error
}

// Limits protect the server from one room or one client taking everything.
type Limits struct {
	MaxParticipantsPerRoom  int `yaml:"max_participants_per_room"`  // 0 = unlimited
	MaxTracksPerParticipant int `yaml:"max_tracks_per_participant"` // 0 = the sfu default (16)
	MaxMessageBytes         int `yaml:"max_message_bytes"`          // largest signalling message read
}

// Redis is the optional Redis used by multi-node installs; Address "" = none.
type Redis struct {
	Address  string `yaml:"address"`
	Password string `yaml:"password"`
	DB       int    `yaml:"db"`
}

// Webhooks are the URLs told about room events, and the API key whose secret signs
// the calls ("" with exactly one configured key = that key).
type Webhooks struct {
	URLs   []string `yaml:"urls"`
	APIKey string   `yaml:"api_key"`
}

// SIP holds the domain used in meetings' SIP URIs ("" = no SIP URIs) and the phone
// number of the dial-in gateway that invitations give with the meeting's PIN ("" = no
// dial-in). With Listen set, `ensemble serve` also runs the SIP bridge (package sip).
type SIP struct {
	Domain      string `yaml:"domain"`
	PhoneNumber string `yaml:"phone_number"`
	// Listen is the bridge's SIP address, IP:port (UDP and TCP); "" = no bridge.
	Listen string `yaml:"listen"`
	// PublicIP is the address put in SIP Contact headers and SDP (default: the
	// Listen IP, which must then be a specific one).
	PublicIP string `yaml:"public_ip"`
	// Transports are udp and tcp (default both).
	Transports []string `yaml:"transports"`
	// RTPPortRange ("20000-20999") holds calls' RTP ports, one per call; "" = any.
	RTPPortRange string `yaml:"rtp_port_range"`
	// MaxCalls bounds the calls at once (0 = the bridge's default, 100).
	MaxCalls int `yaml:"max_calls"`
	// GatewayNumber is the number (SIP user part, digits) of the dial-in gateway,
	// which asks callers for the meeting number by voice; "" = no gateway.
	GatewayNumber string `yaml:"gateway_number"`
	// Registrar, when set (a SIP URI, "sip:pbx.example.com"), is where the bridge
	// registers as RegisterUser (with RegisterPassword for digest challenges),
	// again before each expiry, backing off after failures.
	Registrar        string `yaml:"registrar"`
	RegisterUser     string `yaml:"register_user"`
	RegisterPassword string `yaml:"register_password"`
}

// RTPPorts returns RTPPortRange's bounds; 0, 0 when it is not set.
func (s SIP) RTPPorts() (min, max int) { return parseRange(s.RTPPortRange) }

// Default returns the built-in defaults. DataDir and PublicURL are left empty here:
// Load derives them from the environment and the final bind address and port.
func Default(dev bool) *Config {
	c := &Config{
		Dev:          dev,
		HTTPPort:     DefaultHTTPPort,
		TCPPort:      DefaultTCPPort,
		UDPPort:      DefaultUDPPort,
		Limits:       Limits{MaxMessageBytes: DefaultMaxMessageBytes},
		ResumeGrace:  DefaultResumeGrace,
		DrainTimeout: DefaultDrainTimeout,
		LogLevel:     DefaultLogLevel,
		Keys:         auth.Keys{},
	}
	if dev {
		c.Bind = DevBind
		c.Keys = auth.DevKeys()
	}
	return c
}

// SlogLevel is LogLevel as a slog.Level (info when LogLevel is not valid; Load
// refuses invalid levels).
func (c *Config) SlogLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// Redacted returns a copy with the secrets replaced by "REDACTED", safe to log.
func (c *Config) Redacted() Config {
	r := *c
	r.Keys = maps.Clone(c.Keys)
	for k := range r.Keys {
		r.Keys[k] = "REDACTED"
	}
	if r.Redis.Password != "" {
		r.Redis.Password = "REDACTED"
	}
	return r
}

// PortRange returns UDPPortRange's bounds; 0, 0 when it is not set. Validate has
// refused a malformed range already.
func (c *Config) PortRange() (min, max int) { return parseRange(c.UDPPortRange) }

// parseRange reads "MIN-MAX"; 0, 0 when it is not that.
func parseRange(r string) (min, max int) {
	lo, hi, ok := strings.Cut(r, "-")
	if !ok {
		return 0, 0
	}
	a, err1 := strconv.Atoi(strings.TrimSpace(lo))
	b, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil {
		return 0, 0
	}
	return a, b
}
