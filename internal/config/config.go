package config

import (
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/redisconn"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/oidcauth"
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
	DefaultTURNPort        = 3478
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
	DataDir   string    `yaml:"data_dir"`
	Redis     Redis     `yaml:"redis"`
	Webhooks  Webhooks  `yaml:"webhooks"`
	PublicURL string    `yaml:"public_url"` // base URL of join links; default http://<bind>:<http_port>
	SIP       SIP       `yaml:"sip"`
	TLS       TLS       `yaml:"tls"`
	CORS      CORS      `yaml:"cors"`
	TURN      TURN      `yaml:"turn"`
	Cluster   Cluster   `yaml:"cluster"`
	OIDC      OIDC      `yaml:"oidc"`
	Recording Recording `yaml:"recording"`
	LogLevel  string    `yaml:"log_level"` // debug, info, warn, error
}

// Recording says where and how rooms are recorded (package recording/jobs).
type Recording struct {
	// Dir receives the recordings' files; default <data_dir>/recordings.
	Dir string `yaml:"dir"`
	// Workers: the server only queues recordings, and `ensemble record-worker`
	// processes record them; false (default) records inside `ensemble serve`.
	Workers bool `yaml:"workers"`
	// MaxConcurrent bounds the recordings running at once on this node; beyond
	// it a start is refused with 503 (0 = no bound).
	MaxConcurrent int `yaml:"max_concurrent"`
	// MinFreeMB is the free space the directory needs for a recording to start.
	MinFreeMB int `yaml:"min_free_mb"`
	// Node names this process in the recordings it runs (default the host
	// name); it must stay the same across restarts.
	Node string `yaml:"node"`
	// FFmpeg is the composition program (default "ffmpeg" on the PATH).
	FFmpeg string `yaml:"ffmpeg"`
	// S3 sends finished recordings to S3-compatible object storage.
	S3 S3 `yaml:"s3"`
}

// S3 is an S3-compatible bucket; Endpoint "" = recordings stay in Recording.Dir.
type S3 struct {
	Endpoint  string `yaml:"endpoint"` // host:port, e.g. s3.eu-west-3.amazonaws.com
	Bucket    string `yaml:"bucket"`
	Region    string `yaml:"region"`
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key"`
	// Prefix starts every object key ("recordings/").
	Prefix string `yaml:"prefix"`
	// Insecure talks plain HTTP to the endpoint (a local test server only).
	Insecure bool `yaml:"insecure"`
}

// DefaultRecordingMinFreeMB is recording.min_free_mb's default.
const DefaultRecordingMinFreeMB = 1024

// OIDC is the sign-in of hosts through the organisation's OpenID Connect provider
// (see signalling/oidcauth). Issuer "" = no sign-in (--dev works without one).
type OIDC struct {
	Issuer       string `yaml:"issuer"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	// RedirectURL is this server's /auth/callback as registered at the provider;
	// default public_url + /auth/callback.
	RedirectURL string `yaml:"redirect_url"`
	// SessionSecret signs session cookies (the same on every node); "" = random per
	// process, so sessions end at restart.
	SessionSecret string        `yaml:"session_secret"`
	SessionTTL    time.Duration `yaml:"session_ttl"`
	// Host rule: a verified email in one of HostEmailDomains, or one of HostGroups in
	// the GroupsClaim claim (default "groups"); neither set = every signed-in person.
	HostEmailDomains []string `yaml:"host_email_domains"`
	HostGroups       []string `yaml:"host_groups"`
	GroupsClaim      string   `yaml:"groups_claim"`
}

// SignIn is the oidcauth configuration of o.
func (o OIDC) SignIn() oidcauth.Config {
	return oidcauth.Config{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret,
		RedirectURL: o.RedirectURL, SessionSecret: o.SessionSecret, SessionTTL: o.SessionTTL,
		Host: oidcauth.HostRule{EmailDomains: o.HostEmailDomains, Groups: o.HostGroups, GroupsClaim: o.GroupsClaim}}
}

// Limits protect the server from one room or one client taking everything.
type Limits struct {
	MaxParticipantsPerRoom  int `yaml:"max_participants_per_room"`  // 0 = unlimited
	MaxTracksPerParticipant int `yaml:"max_tracks_per_participant"` // 0 = the sfu default (16)
	MaxMessageBytes         int `yaml:"max_message_bytes"`          // largest signalling message read

	// Request rates, per client address (and API key for API calls). Behind a
	// reverse proxy, list it in TrustedProxies so that X-Forwarded-For is believed.
	JoinsPerIP      RateLimit `yaml:"joins_per_ip"`
	GuestJoinsPerIP RateLimit `yaml:"guest_joins_per_ip"`
	APIPerIP        RateLimit `yaml:"api_calls_per_ip"`
	APIPerKey       RateLimit `yaml:"api_calls_per_key"`
	// WebSocketsPerIP caps open signalling connections per address; 0 = no cap, the
	// default, because a whole organisation may reach the server from one NAT address.
	WebSocketsPerIP int      `yaml:"websockets_per_ip"`
	TrustedProxies  []string `yaml:"trusted_proxies"`

	// The node's budget: past it new joins get 503 server_overloaded with
	// Retry-After (another node, or a later try) instead of every meeting on the
	// node degrading. 0 = no limit.
	MaxRooms      int     `yaml:"max_rooms"`
	MaxCPUPercent float64 `yaml:"max_cpu_percent"` // of all the machine's cores
	MaxEgressMbps float64 `yaml:"max_egress_mbps"` // forwarded media
}

// RateLimit is a token bucket: PerSecond requests a second on average, Burst at
// once. PerSecond 0 = no limit.
type RateLimit struct {
	PerSecond float64 `yaml:"per_second"`
	Burst     int     `yaml:"burst"`
}

// TrustedProxyNetworks is TrustedProxies parsed; Validate has refused bad entries.
func (l Limits) TrustedProxyNetworks() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range l.TrustedProxies {
		if p, err := parseNetwork(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// Redis is the optional Redis used by multi-node installs: one server (Address),
// a master behind Redis Sentinel (Sentinel), or Redis Cluster (ClusterAddresses);
// none of them = no Redis. Validate refuses a mix.
type Redis struct {
	Address  string        `yaml:"address"`
	Password string        `yaml:"password"` // the data nodes' password
	DB       int           `yaml:"db"`
	Sentinel RedisSentinel `yaml:"sentinel"`
	// ClusterAddresses are seed nodes of a Redis Cluster (host:port each).
	ClusterAddresses []string `yaml:"cluster_addresses"`
}

// RedisSentinel finds the Redis master through Redis Sentinel and follows its
// failovers.
type RedisSentinel struct {
	MasterName string   `yaml:"master_name"` // as in the sentinels' "sentinel monitor"
	Addresses  []string `yaml:"addresses"`   // host:port of each sentinel
	Password   string   `yaml:"password"`    // the sentinels' own requirepass, if any
}

// Options is the Redis client's view of r.
func (r Redis) Options() redisconn.Options {
	return redisconn.Options{
		Address: r.Address, Password: r.Password, DB: r.DB,
		MasterName: r.Sentinel.MasterName, SentinelAddresses: r.Sentinel.Addresses, SentinelPassword: r.Sentinel.Password,
		ClusterAddresses: r.ClusterAddresses,
	}
}

// Enabled reports whether any Redis is configured.
func (r Redis) Enabled() bool { return r.Options().Enabled() }

// Webhooks are the URLs told about room events, and the API key whose secret signs
// the calls ("" with exactly one configured key = that key).
type Webhooks struct {
	URLs   []string `yaml:"urls"`
	APIKey string   `yaml:"api_key"`
	// AllowNetworks are internal networks (CIDR) webhook receivers may be on; by
	// default none (--dev: loopback), so that a webhook URL cannot reach the
	// server's own ports, the internal network or a cloud metadata service.
	AllowNetworks []string `yaml:"allow_networks"`
	// GiveUpAfter bounds the retries of one event (0 = the webhook package default).
	GiveUpAfter time.Duration `yaml:"give_up_after"`
}

// AllowedNetworks is Webhooks.AllowNetworks parsed; Validate has refused bad entries.
func (w Webhooks) AllowedNetworks() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range w.AllowNetworks {
		if p, err := parseNetwork(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// parseNetwork reads a CIDR prefix or a single address.
func parseNetwork(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither a CIDR network nor an IP address", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
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
	// TLSListen, when set, is the IP:port of SIP over TLS (usually 5061),
	// with the PEM certificate chain TLSCertFile and its key TLSKeyFile.
	// Calls over TLS must offer SRTP (SDES keys, RFC 4568).
	TLSListen   string `yaml:"tls_listen"`
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
	// TLSCAFile, when set, holds the PEM CA certificates that the TLS peers the
	// bridge calls (dial-out to sip:...;transport=tls) are checked against;
	// "" = the system's.
	TLSCAFile string `yaml:"tls_ca_file"`
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
	// Trunks are who may call the bridge: an INVITE from an address on no
	// trunk's allow list is refused 403. None = anyone may call (open dial-in).
	Trunks []SIPTrunk `yaml:"trunks"`
	// HTTP is, for `ensemble sip` (the bridge in its own process), the address
	// (host:port) of its HTTP listener: /readyz, /metrics and the dial-out
	// endpoint the server calls; "" = none. `ensemble serve` ignores it.
	HTTP string `yaml:"http"`
	// BridgeURL is, for `ensemble serve` without Listen, the URL of a bridge
	// running as its own process (its sip.http): the room API's dial-out goes
	// there, signed with BridgeAPIKey. "" = no dial-out.
	BridgeURL string `yaml:"bridge_url"`
	// BridgeAPIKey names the key (of keys) the bridge was given with
	// --api-key; "" = the first key by name.
	BridgeAPIKey string `yaml:"bridge_api_key"`
}

// SIPTrunk is a party allowed to call the SIP bridge: a PBX or carrier known by
// its networks, or callers known by digest credentials (realm: sip.domain).
type SIPTrunk struct {
	Name string `yaml:"name"`
	// Allow are the networks (CIDR, or single addresses) its calls come from;
	// empty = any address, which needs credentials.
	Allow    []string `yaml:"allow"`
	User     string   `yaml:"user"`
	Password string   `yaml:"password"`
	// RequireAuth makes its calls answer a digest challenge (401) first
	// (default: true when user is set).
	RequireAuth *bool `yaml:"require_auth"`
	// RequireSRTP refuses its calls whose offer has no SRTP (SDES) with 488;
	// calls over TLS need SRTP whatever the trunk.
	RequireSRTP bool `yaml:"require_srtp"`
}

// AuthRequired is RequireAuth, defaulting to whether credentials are given.
func (t SIPTrunk) AuthRequired() bool {
	if t.RequireAuth != nil {
		return *t.RequireAuth
	}
	return t.User != ""
}

// Networks are Allow, parsed (validation refused the ones that do not parse).
func (t SIPTrunk) Networks() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range t.Allow {
		if p, err := parseNetwork(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// TLS makes the HTTP and WebSocket listener speak HTTPS, with certificate files or
// certificates from an ACME authority (Let's Encrypt by default). Empty = plain
// HTTP, as behind a TLS-terminating proxy.
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	ACME     ACME   `yaml:"acme"`
}

// ACME obtains and renews certificates for Domains. The TLS-ALPN-01 challenge needs
// the HTTP listener reached on port 443; HTTPAddress (":80") adds the HTTP-01 one.
type ACME struct {
	Domains     []string `yaml:"domains"`
	Email       string   `yaml:"email"`
	Directory   string   `yaml:"directory"`    // "" = Let's Encrypt
	CacheDir    string   `yaml:"cache_dir"`    // default <data_dir>/acme
	HTTPAddress string   `yaml:"http_address"` // "" = no HTTP-01 listener
}

// Enabled reports whether TLS is configured.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" || len(t.ACME.Domains) > 0 }

// TURN is the embedded relay for networks that block UDP (see package turnrelay).
type TURN struct {
	// UDPPort is TURN over UDP (default 3478; 0 turns it off). TLSPort is TURN over
	// TLS (0 = off; 5349, or 443 on an address of its own), with CertFile/KeyFile or
	// else the certificate of tls:.
	UDPPort  int    `yaml:"udp_port"`
	TLSPort  int    `yaml:"tls_port"`
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// Host is the name or address clients reach the relay at (default: public_url's
	// host); with TLS, the certificate must be valid for it.
	Host string `yaml:"host"`
	// RelayIP is the local address relay sockets use (default: bind, else the
	// address of the default route).
	RelayIP string `yaml:"relay_ip"`
	// CredentialTTL is how long a participant's TURN credentials stay valid.
	CredentialTTL time.Duration `yaml:"credential_ttl"`
	// AllocationsPerUser bounds the relays one participant holds.
	AllocationsPerUser int `yaml:"allocations_per_user"`
}

// Enabled reports whether a TURN listener is configured.
func (t TURN) Enabled() bool { return t.UDPPort > 0 || t.TLSPort > 0 }

// Cluster names this node among the nodes sharing Redis (redis.address set): rooms
// are placed on the least-loaded node and every node routes to the host.
type Cluster struct {
	// NodeID is unique among the nodes (default: the host name and HTTP port).
	NodeID string `yaml:"node_id"`
	Region string `yaml:"region"`
	// URL is where the other nodes reach this one's HTTP listener (default:
	// http://<bind or the default route's address>:<http_port>); not the public
	// URL, which a load balancer may share among nodes.
	URL string `yaml:"url"`
	// Placement chooses the node of a new room: "load" (default, the least-loaded
	// node) or "region" (the least-loaded node of the region of the node the first
	// participant reached, else the least-loaded anywhere). Give every node the same.
	Placement string `yaml:"placement"`
	// MaxParticipantsPerNode spans a room over several nodes (package cascade):
	// a join goes to another node once the room's host serves this many of its
	// participants, and the nodes relay each track to each other once. 0 (the
	// default) keeps every room on its host. Give every node the same.
	MaxParticipantsPerNode int `yaml:"max_participants_per_node"`
}

// CORS lists the web origins whose pages may call the API and WHIP/WHEP from a
// browser (an intranet portal, a calendar plugin's page). None by default.
type CORS struct {
	AllowedOrigins []string `yaml:"allowed_origins"`
}

// RTPPorts returns RTPPortRange's bounds; 0, 0 when it is not set.
func (s SIP) RTPPorts() (min, max int) { return parseRange(s.RTPPortRange) }

// Default returns the built-in defaults. DataDir and PublicURL are left empty here:
// Load derives them from the environment and the final bind address and port.
func Default(dev bool) *Config {
	c := &Config{
		Dev:      dev,
		HTTPPort: DefaultHTTPPort,
		TCPPort:  DefaultTCPPort,
		UDPPort:  DefaultUDPPort,
		Limits: Limits{
			MaxMessageBytes: DefaultMaxMessageBytes,
			// Generous: a training room of 200 joining at the top of the hour from one
			// building's address must get in; a script hammering the server must not.
			JoinsPerIP:      RateLimit{PerSecond: 20, Burst: 200},
			GuestJoinsPerIP: RateLimit{PerSecond: 5, Burst: 50},
			APIPerIP:        RateLimit{PerSecond: 100, Burst: 200},
			APIPerKey:       RateLimit{PerSecond: 200, Burst: 400},
		},
		ResumeGrace:  DefaultResumeGrace,
		DrainTimeout: DefaultDrainTimeout,
		LogLevel:     DefaultLogLevel,
		TURN:         TURN{UDPPort: DefaultTURNPort},
		Keys:         auth.Keys{},
		Recording:    Recording{MinFreeMB: DefaultRecordingMinFreeMB},
	}
	if dev {
		// A developer's scripts and tests hammer a loopback server; limits are for
		// servers others reach (a configuration file can still set them).
		c.Limits.JoinsPerIP, c.Limits.GuestJoinsPerIP, c.Limits.APIPerIP, c.Limits.APIPerKey = RateLimit{}, RateLimit{}, RateLimit{}, RateLimit{}
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
	if r.Redis.Sentinel.Password != "" {
		r.Redis.Sentinel.Password = "REDACTED"
	}
	if r.OIDC.ClientSecret != "" {
		r.OIDC.ClientSecret = "REDACTED"
	}
	if r.OIDC.SessionSecret != "" {
		r.OIDC.SessionSecret = "REDACTED"
	}
	if r.Recording.S3.SecretKey != "" {
		r.Recording.S3.SecretKey = "REDACTED"
	}
	if r.SIP.RegisterPassword != "" {
		r.SIP.RegisterPassword = "REDACTED"
	}
	r.SIP.Trunks = slices.Clone(c.SIP.Trunks)
	for i := range r.SIP.Trunks {
		if r.SIP.Trunks[i].Password != "" {
			r.SIP.Trunks[i].Password = "REDACTED"
		}
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
