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
		{"limits.max_message_bytes", "MAX_MESSAGE_BYTES", "max-message-bytes", "largest signalling message in bytes", false, setInt(func(c *Config) *int { return &c.Limits.MaxMessageBytes })},
		{"resume_grace", "RESUME_GRACE", "resume-grace", "how long a dropped participant may resume", false, setDuration(func(c *Config) *time.Duration { return &c.ResumeGrace })},
		{"drain_timeout", "DRAIN_TIMEOUT", "drain-timeout", "graceful shutdown deadline after SIGTERM", false, setDuration(func(c *Config) *time.Duration { return &c.DrainTimeout })},
		{"data_dir", "DATA_DIR", "data-dir", "directory of the embedded store", false, setString(func(c *Config) *string { return &c.DataDir })},
		{"redis.address", "REDIS_ADDRESS", "redis-address", "Redis host:port (\"\" = no Redis)", false, setString(func(c *Config) *string { return &c.Redis.Address })},
		{"redis.password", "REDIS_PASSWORD", "", "", true, setString(func(c *Config) *string { return &c.Redis.Password })},
		{"redis.db", "REDIS_DB", "redis-db", "Redis database number", false, setInt(func(c *Config) *int { return &c.Redis.DB })},
		{"webhooks.urls", "WEBHOOK_URLS", "webhook-urls", "comma-separated webhook URLs", false, setList(func(c *Config) *[]string { return &c.Webhooks.URLs })},
		{"webhooks.api_key", "WEBHOOK_API_KEY", "webhook-api-key", "API key whose secret signs webhook calls", false, setString(func(c *Config) *string { return &c.Webhooks.APIKey })},
		{"public_url", "PUBLIC_URL", "public-url", "base URL of join links (default http://<bind>:<http-port>)", false, setString(func(c *Config) *string { return &c.PublicURL })},
		{"sip.domain", "SIP_DOMAIN", "sip-domain", "domain of meetings' SIP URIs", false, setString(func(c *Config) *string { return &c.SIP.Domain })},
		{"sip.phone_number", "SIP_PHONE_NUMBER", "sip-phone-number", "dial-in number given in invitations with the meeting's PIN", false, setString(func(c *Config) *string { return &c.SIP.PhoneNumber })},
		{"sip.listen", "SIP_LISTEN", "sip-listen", "IP:port of the SIP bridge (\"\" = no bridge)", false, setString(func(c *Config) *string { return &c.SIP.Listen })},
		{"sip.public_ip", "SIP_PUBLIC_IP", "sip-public-ip", "IP address the SIP bridge puts in Contact and SDP", false, setString(func(c *Config) *string { return &c.SIP.PublicIP })},
		{"sip.transports", "SIP_TRANSPORTS", "sip-transports", "comma-separated SIP transports: udp, tcp", false, setList(func(c *Config) *[]string { return &c.SIP.Transports })},
		{"sip.rtp_port_range", "SIP_RTP_PORT_RANGE", "sip-rtp-port-range", "MIN-MAX: UDP ports of SIP calls' audio", false, setString(func(c *Config) *string { return &c.SIP.RTPPortRange })},
		{"sip.max_calls", "SIP_MAX_CALLS", "sip-max-calls", "SIP calls at once (0 = 100)", false, setInt(func(c *Config) *int { return &c.SIP.MaxCalls })},
		{"sip.gateway_number", "SIP_GATEWAY_NUMBER", "sip-gateway-number", "SIP number (digits) of the dial-in gateway that asks for the meeting number", false, setString(func(c *Config) *string { return &c.SIP.GatewayNumber })},
		{"sip.registrar", "SIP_REGISTRAR", "sip-registrar", "SIP URI of a registrar the bridge registers at", false, setString(func(c *Config) *string { return &c.SIP.Registrar })},
		{"sip.register_user", "SIP_REGISTER_USER", "sip-register-user", "user the bridge registers as", false, setString(func(c *Config) *string { return &c.SIP.RegisterUser })},
		{"sip.register_password", "SIP_REGISTER_PASSWORD", "", "", true, setString(func(c *Config) *string { return &c.SIP.RegisterPassword })},
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
