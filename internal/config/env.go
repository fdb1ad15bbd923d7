package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
)

// EnvPrefix starts every environment variable the configuration reads.
const EnvPrefix = "ENSEMBLE_"

// EnvConfigFile names the configuration file when --config is not given.
const EnvConfigFile = EnvPrefix + "CONFIG"

// setting is one configuration value that can come from the environment and, when
// flag is not empty, from a command-line flag. Both go through set, so they accept
// the same text.
type setting struct {
	yamlPath string
	env      string
	flag     string // "" = no flag (secrets stay off the command line, visible in ps)
	usage    string
	secret   bool // never echo the value in errors
	set      func(c *Config, s string) error
}

func settings() []setting {
	return []setting{
		{"bind", "BIND", "bind", "IP address to listen on (\"\" = all interfaces; --dev: 127.0.0.1)", false, setString(func(c *Config) *string { return &c.Bind })},
		{"http_port", "HTTP_PORT", "http-port", "HTTP/WebSocket port", false, setInt(func(c *Config) *int { return &c.HTTPPort })},
		{"udp_port", "UDP_PORT", "udp-port", "UDP port for all WebRTC media", false, setInt(func(c *Config) *int { return &c.UDPPort })},
		{"tcp_port", "TCP_PORT", "tcp-port", "ICE-TCP port (-1 disables)", false, setInt(func(c *Config) *int { return &c.TCPPort })},
		{"udp_port_range", "UDP_PORT_RANGE", "udp-port-range", "MIN-MAX: a UDP port per connection in this range instead of udp_port (for media bridges)", false, setString(func(c *Config) *string { return &c.UDPPortRange })},
		{"nat_1to1_ips", "NAT_1TO1_IPS", "nat-1to1-ips", "comma-separated public IPs to advertise (1:1 NAT)", false, setList(func(c *Config) *[]string { return &c.NAT1To1IPs })},
		{"keys", "KEYS", "", "", true, func(c *Config, s string) error {
			k, err := auth.ParseKeyList(s)
			if err != nil {
				return err
			}
			c.Keys = k
			return nil
		}},
		{"limits.max_participants_per_room", "MAX_PARTICIPANTS_PER_ROOM", "max-participants", "participants per room (0 = unlimited)", false, setInt(func(c *Config) *int { return &c.Limits.MaxParticipantsPerRoom })},
		{"limits.max_tracks_per_participant", "MAX_TRACKS_PER_PARTICIPANT", "max-tracks", "published tracks per participant (0 = default)", false, setInt(func(c *Config) *int { return &c.Limits.MaxTracksPerParticipant })},
		{"limits.max_rooms", "MAX_ROOMS", "max-rooms", "rooms open at once on this node (0 = unlimited)", false, setInt(func(c *Config) *int { return &c.Limits.MaxRooms })},
		{"limits.max_cpu_percent", "MAX_CPU_PERCENT", "max-cpu-percent", "refuse new joins past this share of all cores (0 = no budget)", false, setFloat(func(c *Config) *float64 { return &c.Limits.MaxCPUPercent })},
		{"limits.max_egress_mbps", "MAX_EGRESS_MBPS", "max-egress-mbps", "refuse new joins past this forwarded bit rate (0 = no budget)", false, setFloat(func(c *Config) *float64 { return &c.Limits.MaxEgressMbps })},
		{"limits.max_message_bytes", "MAX_MESSAGE_BYTES", "max-message-bytes", "largest signalling message in bytes", false, setInt(func(c *Config) *int { return &c.Limits.MaxMessageBytes })},
		{"resume_grace", "RESUME_GRACE", "resume-grace", "how long a dropped participant may resume", false, setDuration(func(c *Config) *time.Duration { return &c.ResumeGrace })},
		{"drain_timeout", "DRAIN_TIMEOUT", "drain-timeout", "graceful shutdown deadline after SIGTERM", false, setDuration(func(c *Config) *time.Duration { return &c.DrainTimeout })},
		{"data_dir", "DATA_DIR", "data-dir", "directory of the embedded store", false, setString(func(c *Config) *string { return &c.DataDir })},
		{"redis.address", "REDIS_ADDRESS", "redis-address", "Redis host:port (\"\" = no Redis)", false, setString(func(c *Config) *string { return &c.Redis.Address })},
		{"redis.password", "REDIS_PASSWORD", "", "", true, setString(func(c *Config) *string { return &c.Redis.Password })},
		{"redis.db", "REDIS_DB", "redis-db", "Redis database number", false, setInt(func(c *Config) *int { return &c.Redis.DB })},
		{"redis.sentinel.master_name", "REDIS_SENTINEL_MASTER", "redis-sentinel-master", "name of the Redis master the sentinels watch (Sentinel mode)", false, setString(func(c *Config) *string { return &c.Redis.Sentinel.MasterName })},
		{"redis.sentinel.addresses", "REDIS_SENTINEL_ADDRESSES", "redis-sentinel-addresses", "comma-separated host:port of the Redis sentinels (Sentinel mode)", false, setList(func(c *Config) *[]string { return &c.Redis.Sentinel.Addresses })},
		{"redis.sentinel.password", "REDIS_SENTINEL_PASSWORD", "", "", true, setString(func(c *Config) *string { return &c.Redis.Sentinel.Password })},
		{"redis.cluster_addresses", "REDIS_CLUSTER_ADDRESSES", "redis-cluster-addresses", "comma-separated host:port of Redis Cluster nodes (Cluster mode)", false, setList(func(c *Config) *[]string { return &c.Redis.ClusterAddresses })},
		{"webhooks.urls", "WEBHOOK_URLS", "webhook-urls", "comma-separated webhook URLs", false, setList(func(c *Config) *[]string { return &c.Webhooks.URLs })},
		{"webhooks.api_key", "WEBHOOK_API_KEY", "webhook-api-key", "API key whose secret signs webhook calls", false, setString(func(c *Config) *string { return &c.Webhooks.APIKey })},
		{"webhooks.allow_networks", "WEBHOOK_ALLOW_NETWORKS", "webhook-allow-networks", "comma-separated internal networks (CIDR) webhook receivers may be on", false, setList(func(c *Config) *[]string { return &c.Webhooks.AllowNetworks })},
		{"webhooks.give_up_after", "WEBHOOK_GIVE_UP_AFTER", "webhook-give-up-after", "how long one webhook event is retried", false, setDuration(func(c *Config) *time.Duration { return &c.Webhooks.GiveUpAfter })},
		{"public_url", "PUBLIC_URL", "public-url", "base URL of join links (default http://<bind>:<http-port>)", false, setString(func(c *Config) *string { return &c.PublicURL })},
		{"sip.domain", "SIP_DOMAIN", "sip-domain", "domain of meetings' SIP URIs", false, setString(func(c *Config) *string { return &c.SIP.Domain })},
		{"sip.phone_number", "SIP_PHONE_NUMBER", "sip-phone-number", "dial-in number given in invitations with the meeting's PIN", false, setString(func(c *Config) *string { return &c.SIP.PhoneNumber })},
		{"tls.cert_file", "TLS_CERT_FILE", "tls-cert-file", "PEM certificate chain for HTTPS (reloaded when it changes)", false, setString(func(c *Config) *string { return &c.TLS.CertFile })},
		{"tls.key_file", "TLS_KEY_FILE", "tls-key-file", "PEM private key of tls.cert_file", false, setString(func(c *Config) *string { return &c.TLS.KeyFile })},
		{"tls.acme.domains", "ACME_DOMAINS", "acme-domains", "comma-separated names to get certificates for through ACME", false, setList(func(c *Config) *[]string { return &c.TLS.ACME.Domains })},
		{"tls.acme.email", "ACME_EMAIL", "acme-email", "contact address of the ACME account", false, setString(func(c *Config) *string { return &c.TLS.ACME.Email })},
		{"tls.acme.directory", "ACME_DIRECTORY", "acme-directory", "ACME directory URL (default Let's Encrypt)", false, setString(func(c *Config) *string { return &c.TLS.ACME.Directory })},
		{"tls.acme.cache_dir", "ACME_CACHE_DIR", "acme-cache-dir", "where ACME account and certificates are kept (default <data-dir>/acme)", false, setString(func(c *Config) *string { return &c.TLS.ACME.CacheDir })},
		{"tls.acme.http_address", "ACME_HTTP_ADDRESS", "acme-http-address", "address for ACME HTTP-01 challenges, e.g. :80 (default none)", false, setString(func(c *Config) *string { return &c.TLS.ACME.HTTPAddress })},
		{"turn.udp_port", "TURN_UDP_PORT", "turn-udp-port", "TURN over UDP port (0 = off)", false, setInt(func(c *Config) *int { return &c.TURN.UDPPort })},
		{"turn.tls_port", "TURN_TLS_PORT", "turn-tls-port", "TURN over TLS port (0 = off)", false, setInt(func(c *Config) *int { return &c.TURN.TLSPort })},
		{"turn.cert_file", "TURN_CERT_FILE", "turn-cert-file", "certificate of TURN over TLS (default: tls.cert_file)", false, setString(func(c *Config) *string { return &c.TURN.CertFile })},
		{"turn.key_file", "TURN_KEY_FILE", "turn-key-file", "key of turn.cert_file", false, setString(func(c *Config) *string { return &c.TURN.KeyFile })},
		{"turn.host", "TURN_HOST", "turn-host", "name or address clients reach TURN at (default: public_url's host)", false, setString(func(c *Config) *string { return &c.TURN.Host })},
		{"turn.relay_ip", "TURN_RELAY_IP", "turn-relay-ip", "local address of relay sockets", false, setString(func(c *Config) *string { return &c.TURN.RelayIP })},
		{"cluster.node_id", "NODE_ID", "node-id", "this node's id among the nodes on Redis (default: host name and port)", false, setString(func(c *Config) *string { return &c.Cluster.NodeID })},
		{"cluster.region", "NODE_REGION", "node-region", "this node's region", false, setString(func(c *Config) *string { return &c.Cluster.Region })},
		{"cluster.placement", "PLACEMENT", "placement", "where new rooms go: load (the least-loaded node) or region (the least-loaded node of the region of the node the first participant reached)", false, setString(func(c *Config) *string { return &c.Cluster.Placement })},
		{"cluster.max_participants_per_node", "MAX_PARTICIPANTS_PER_NODE", "max-participants-per-node", "participants of one room on one node before the room spans another node (0 = rooms stay on their host)", false, setInt(func(c *Config) *int { return &c.Cluster.MaxParticipantsPerNode })},
		{"cluster.url", "NODE_URL", "node-url", "where the other nodes reach this node's HTTP listener", false, setString(func(c *Config) *string { return &c.Cluster.URL })},
		{"cors.allowed_origins", "CORS_ALLOWED_ORIGINS", "cors-allowed-origins", "comma-separated web origins allowed to call the API from a browser", false, setList(func(c *Config) *[]string { return &c.CORS.AllowedOrigins })},
		{"oidc.issuer", "OIDC_ISSUER", "oidc-issuer", "OpenID Connect issuer URL of the hosts' identity provider (\"\" = no sign-in)", false, setString(func(c *Config) *string { return &c.OIDC.Issuer })},
		{"oidc.client_id", "OIDC_CLIENT_ID", "oidc-client-id", "client id registered at the identity provider", false, setString(func(c *Config) *string { return &c.OIDC.ClientID })},
		{"oidc.client_secret", "OIDC_CLIENT_SECRET", "", "", true, setString(func(c *Config) *string { return &c.OIDC.ClientSecret })},
		{"oidc.redirect_url", "OIDC_REDIRECT_URL", "oidc-redirect-url", "this server's /auth/callback URL (default public_url + /auth/callback)", false, setString(func(c *Config) *string { return &c.OIDC.RedirectURL })},
		{"oidc.session_secret", "OIDC_SESSION_SECRET", "", "", true, setString(func(c *Config) *string { return &c.OIDC.SessionSecret })},
		{"oidc.session_ttl", "OIDC_SESSION_TTL", "oidc-session-ttl", "how long a sign-in lasts (default 12h)", false, setDuration(func(c *Config) *time.Duration { return &c.OIDC.SessionTTL })},
		{"oidc.host_email_domains", "OIDC_HOST_EMAIL_DOMAINS", "oidc-host-email-domains", "comma-separated email domains whose verified addresses may host", false, setList(func(c *Config) *[]string { return &c.OIDC.HostEmailDomains })},
		{"oidc.host_groups", "OIDC_HOST_GROUPS", "oidc-host-groups", "comma-separated groups whose members may host", false, setList(func(c *Config) *[]string { return &c.OIDC.HostGroups })},
		{"oidc.groups_claim", "OIDC_GROUPS_CLAIM", "oidc-groups-claim", "claim listing the groups (default groups)", false, setString(func(c *Config) *string { return &c.OIDC.GroupsClaim })},
		{"recording.dir", "RECORDINGS_DIR", "recordings-dir", "directory of the recordings (default <data-dir>/recordings)", false, setString(func(c *Config) *string { return &c.Recording.Dir })},
		{"recording.workers", "RECORDING_WORKERS", "recording-workers", "queue recordings for `ensemble record-worker` processes instead of recording here", false, setBool(func(c *Config) *bool { return &c.Recording.Workers })},
		{"recording.max_concurrent", "MAX_RECORDINGS", "max-recordings", "recordings running at once on this node (0 = no bound)", false, setInt(func(c *Config) *int { return &c.Recording.MaxConcurrent })},
		{"recording.min_free_mb", "RECORDING_MIN_FREE_MB", "recording-min-free-mb", "free MiB the recordings directory needs for a recording to start", false, setInt(func(c *Config) *int { return &c.Recording.MinFreeMB })},
		{"recording.node", "RECORDING_NODE", "recording-node", "this node's name in its recordings (default the host name)", false, setString(func(c *Config) *string { return &c.Recording.Node })},
		{"recording.ffmpeg", "FFMPEG", "ffmpeg", "ffmpeg program composing recordings", false, setString(func(c *Config) *string { return &c.Recording.FFmpeg })},
		{"recording.s3.endpoint", "S3_ENDPOINT", "s3-endpoint", "S3 endpoint host:port for recordings (\"\" = keep them in the recordings directory)", false, setString(func(c *Config) *string { return &c.Recording.S3.Endpoint })},
		{"recording.s3.bucket", "S3_BUCKET", "s3-bucket", "S3 bucket of recordings", false, setString(func(c *Config) *string { return &c.Recording.S3.Bucket })},
		{"recording.s3.region", "S3_REGION", "s3-region", "S3 region", false, setString(func(c *Config) *string { return &c.Recording.S3.Region })},
		{"recording.s3.prefix", "S3_PREFIX", "s3-prefix", "prefix of the recordings' object keys", false, setString(func(c *Config) *string { return &c.Recording.S3.Prefix })},
		{"recording.s3.insecure", "S3_INSECURE", "s3-insecure", "plain HTTP to the S3 endpoint (tests only)", false, setBool(func(c *Config) *bool { return &c.Recording.S3.Insecure })},
		{"recording.s3.access_key", "S3_ACCESS_KEY", "", "", true, setString(func(c *Config) *string { return &c.Recording.S3.AccessKey })},
		{"recording.s3.secret_key", "S3_SECRET_KEY", "", "", true, setString(func(c *Config) *string { return &c.Recording.S3.SecretKey })},
		{"sip.listen", "SIP_LISTEN", "sip-listen", "IP:port of the SIP bridge (\"\" = no bridge)", false, setString(func(c *Config) *string { return &c.SIP.Listen })},
		{"sip.public_ip", "SIP_PUBLIC_IP", "sip-public-ip", "IP address the SIP bridge puts in Contact and SDP", false, setString(func(c *Config) *string { return &c.SIP.PublicIP })},
		{"sip.transports", "SIP_TRANSPORTS", "sip-transports", "comma-separated SIP transports: udp, tcp", false, setList(func(c *Config) *[]string { return &c.SIP.Transports })},
		{"sip.tls_listen", "SIP_TLS_LISTEN", "sip-tls-listen", "IP:port of SIP over TLS (\"\" = none)", false, setString(func(c *Config) *string { return &c.SIP.TLSListen })},
		{"sip.tls_cert_file", "SIP_TLS_CERT_FILE", "sip-tls-cert-file", "PEM certificate chain of SIP over TLS", false, setString(func(c *Config) *string { return &c.SIP.TLSCertFile })},
		{"sip.tls_key_file", "SIP_TLS_KEY_FILE", "sip-tls-key-file", "PEM private key of sip.tls_cert_file", false, setString(func(c *Config) *string { return &c.SIP.TLSKeyFile })},
		{"sip.tls_ca_file", "SIP_TLS_CA_FILE", "sip-tls-ca-file", "PEM CA certificates the SIP bridge checks the TLS peers it calls against", false, setString(func(c *Config) *string { return &c.SIP.TLSCAFile })},
		{"sip.rtp_port_range", "SIP_RTP_PORT_RANGE", "sip-rtp-port-range", "MIN-MAX: UDP ports of SIP calls' audio", false, setString(func(c *Config) *string { return &c.SIP.RTPPortRange })},
		{"sip.max_calls", "SIP_MAX_CALLS", "sip-max-calls", "SIP calls at once (0 = 100)", false, setInt(func(c *Config) *int { return &c.SIP.MaxCalls })},
		{"sip.gateway_number", "SIP_GATEWAY_NUMBER", "sip-gateway-number", "SIP number (digits) of the dial-in gateway that asks for the meeting number", false, setString(func(c *Config) *string { return &c.SIP.GatewayNumber })},
		{"sip.registrar", "SIP_REGISTRAR", "sip-registrar", "SIP URI of a registrar the bridge registers at", false, setString(func(c *Config) *string { return &c.SIP.Registrar })},
		{"sip.register_user", "SIP_REGISTER_USER", "sip-register-user", "user the bridge registers as", false, setString(func(c *Config) *string { return &c.SIP.RegisterUser })},
		{"sip.register_password", "SIP_REGISTER_PASSWORD", "", "", true, setString(func(c *Config) *string { return &c.SIP.RegisterPassword })},
		{"sip.bridge_url", "SIP_BRIDGE_URL", "sip-bridge-url", "URL of the HTTP listener of a SIP bridge in its own process (`ensemble sip --http`), for dial-out", false, setString(func(c *Config) *string { return &c.SIP.BridgeURL })},
		{"sip.bridge_api_key", "SIP_BRIDGE_API_KEY", "sip-bridge-api-key", "the key (of keys) that bridge was given with --api-key (default: the first)", false, setString(func(c *Config) *string { return &c.SIP.BridgeAPIKey })},
		{"log_level", "LOG_LEVEL", "log-level", "debug, info, warn or error", false, setString(func(c *Config) *string { return &c.LogLevel })},
	}
}

func setString(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, s string) error { *field(c) = strings.TrimSpace(s); return nil }
}

func setInt(field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		*field(c) = n
		return nil
	}
}

func setFloat(field func(*Config) *float64) func(*Config, string) error {
	return func(c *Config, s string) error {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("not a number")
		}
		*field(c) = f
		return nil
	}
}

func setBool(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, s string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("not a boolean (true or false)")
		}
		*field(c) = b
		return nil
	}
}

func setDuration(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, s string) error {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("not a duration such as 20s or 1m30s")
		}
		*field(c) = d
		return nil
	}
}

func setList(field func(*Config) *[]string) func(*Config, string) error {
	return func(c *Config, s string) error {
		var out []string
		for _, item := range strings.Split(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
		*field(c) = out
		return nil
	}
}

// ApplyEnv overrides c with the ENSEMBLE_* variables that lookupEnv finds (nil =
// os.LookupEnv). A set but empty variable counts as set (it clears a string). Errors
// name the variable (and the value, unless it is a secret).
func ApplyEnv(c *Config, lookupEnv func(string) (string, bool)) error {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	for _, s := range settings() {
		name := EnvPrefix + s.env
		val, ok := lookupEnv(name)
		if !ok {
			continue
		}
		if err := s.set(c, val); err != nil {
			if s.secret {
				return fmt.Errorf("%w: environment variable %s: %w", ErrInvalidValue, name, err)
			}
			return fmt.Errorf("%w: environment variable %s=%q: %w", ErrInvalidValue, name, val, err)
		}
	}
	return nil
}

// DefaultDataDir is $XDG_DATA_HOME/ensemble, else $HOME/.local/share/ensemble, else
// ./ensemble-data when neither is set.
func DefaultDataDir(lookupEnv func(string) (string, bool)) string {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	if x, ok := lookupEnv("XDG_DATA_HOME"); ok && filepath.IsAbs(x) {
		return filepath.Join(x, "ensemble")
	}
	if h, ok := lookupEnv("HOME"); ok && h != "" {
		return filepath.Join(h, ".local", "share", "ensemble")
	}
	return "ensemble-data"
}
