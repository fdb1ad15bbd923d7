package config

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
)

const goodSecret = "0123456789abcdef0123456789abcdef-x"

// env returns a LookupEnv over m alone, so tests never see the real environment.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ensemble.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// loadArgs runs the serve-style flag path: NewFlags, Parse, Load.
func loadArgs(t *testing.T, args []string, e map[string]string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := NewFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return f.Load(env(e))
}

func TestDefaults(t *testing.T) {
	c, err := Load(Options{LookupEnv: env(map[string]string{"ENSEMBLE_KEYS": "k:" + goodSecret, "HOME": "/home/u"})})
	if err != nil {
		t.Fatal(err)
	}
	if c.Dev || c.Bind != "" || c.HTTPPort != 7880 || c.TCPPort != 7881 || c.UDPPort != 7882 ||
		c.Limits.MaxMessageBytes != 64<<10 || c.ResumeGrace != 20*time.Second || c.DrainTimeout != 30*time.Second ||
		c.LogLevel != "info" || c.Redis.Address != "" || c.DataDir != "/home/u/.local/share/ensemble" ||
		c.PublicURL != "http://localhost:7880" || c.Keys["k"] != goodSecret {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestDevMode(t *testing.T) {
	c, err := loadArgs(t, []string{"--dev"}, map[string]string{"XDG_DATA_HOME": "/x"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Dev || c.Bind != "127.0.0.1" || c.Keys[auth.DevAPIKey] != auth.DevAPISecret || len(c.Keys) != 1 ||
		c.DataDir != "/x/ensemble" || c.PublicURL != "http://127.0.0.1:7880" {
		t.Fatalf("dev config: %+v", c)
	}
	// --bind wins over the dev default; a file's keys add to the dev key.
	p := writeFile(t, "keys: {mine: short}\n")
	c, err = loadArgs(t, []string{"--dev", "--bind", "0.0.0.0", "--config", p}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Bind != "0.0.0.0" || c.Keys["mine"] != "short" || c.Keys[auth.DevAPIKey] != auth.DevAPISecret {
		t.Fatalf("dev with bind and file: %+v", c)
	}
}

func TestExampleConfigLoads(t *testing.T) {
	c, err := Load(Options{File: filepath.Join("..", "..", "deploy", "ensemble.example.yaml"), LookupEnv: env(nil)})
	if err != nil {
		t.Fatalf("deploy/ensemble.example.yaml: %v", err)
	}
	if c.Keys.Names()[0] != "example-key" || c.DataDir != "/var/lib/ensemble" || c.PublicURL != "https://meet.example.com" ||
		c.Webhooks.APIKey != "example-key" || c.HTTPPort != DefaultHTTPPort {
		t.Fatalf("example config: %+v", c.Redacted())
	}
}

func TestPrecedence(t *testing.T) {
	p := writeFile(t, "http_port: 9000\nlog_level: warn\nkeys: {k: "+goodSecret+"}\nlimits: {max_participants_per_room: 5}\n")
	e := map[string]string{"ENSEMBLE_HTTP_PORT": "9001", "ENSEMBLE_MAX_PARTICIPANTS_PER_ROOM": "6"}
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantPort int
		wantMax  int
	}{
		{"file over defaults", []string{"--config", p}, nil, 9000, 5},
		{"env over file", []string{"--config", p}, e, 9001, 6},
		{"flags over env", []string{"--config", p, "--http-port", "9002", "--max-participants", "7"}, e, 9002, 7},
		{"file from ENSEMBLE_CONFIG", nil, map[string]string{"ENSEMBLE_CONFIG": p}, 9000, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadArgs(t, tt.args, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.HTTPPort != tt.wantPort || c.Limits.MaxParticipantsPerRoom != tt.wantMax || c.LogLevel != "warn" {
				t.Fatalf("port %d max %d level %s, want %d %d warn", c.HTTPPort, c.Limits.MaxParticipantsPerRoom, c.LogLevel, tt.wantPort, tt.wantMax)
			}
		})
	}
}

func TestEnvSettings(t *testing.T) {
	e := map[string]string{
		"ENSEMBLE_KEYS":            "a:" + goodSecret + ",b:" + goodSecret + "b",
		"ENSEMBLE_NAT_1TO1_IPS":    "203.0.113.10, 2001:db8::1",
		"ENSEMBLE_REDIS_ADDRESS":   "127.0.0.1:6379",
		"ENSEMBLE_REDIS_PASSWORD":  "pw",
		"ENSEMBLE_REDIS_DB":        "2",
		"ENSEMBLE_RESUME_GRACE":    "45s",
		"ENSEMBLE_WEBHOOK_URLS":    "http://127.0.0.1:9/hook",
		"ENSEMBLE_WEBHOOK_API_KEY": "b",
		"ENSEMBLE_SIP_DOMAIN":      "sip.example.com",
		"ENSEMBLE_DATA_DIR":        "/data",
		"ENSEMBLE_LOG_LEVEL":       "DEBUG",
	}
	c, err := Load(Options{LookupEnv: env(e)})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Keys) != 2 || !slices.Equal(c.NAT1To1IPs, []string{"203.0.113.10", "2001:db8::1"}) ||
		c.Redis.Address != "127.0.0.1:6379" || c.Redis.Password != "pw" || c.Redis.DB != 2 || c.ResumeGrace != 45*time.Second ||
		c.Webhooks.APIKey != "b" || c.SIP.Domain != "sip.example.com" || c.DataDir != "/data" ||
		c.LogLevel != "debug" || c.PublicURL != "http://203.0.113.10:7880" {
		t.Fatalf("env config: %+v", c)
	}
	if r := c.Redacted(); r.Keys["a"] != "REDACTED" || r.Redis.Password != "REDACTED" || c.Keys["a"] != goodSecret {
		t.Fatalf("Redacted: %+v (original %+v)", r, c.Keys)
	}
}

// Sentinel and Cluster settings come from the environment as the others do; the
// sentinels' password is a secret.
func TestRedisSentinelAndClusterFromEnv(t *testing.T) {
	e := map[string]string{
		"ENSEMBLE_KEYS":                     "a:" + goodSecret,
		"ENSEMBLE_REDIS_SENTINEL_MASTER":    "mymaster",
		"ENSEMBLE_REDIS_SENTINEL_ADDRESSES": "10.0.0.1:26379, 10.0.0.2:26379",
		"ENSEMBLE_REDIS_SENTINEL_PASSWORD":  "spw",
	}
	c, err := Load(Options{LookupEnv: env(e)})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Redis.Sentinel
	if s.MasterName != "mymaster" || !slices.Equal(s.Addresses, []string{"10.0.0.1:26379", "10.0.0.2:26379"}) || s.Password != "spw" || !c.Redis.Enabled() {
		t.Fatalf("sentinel config: %+v", c.Redis)
	}
	if r := c.Redacted(); r.Redis.Sentinel.Password != "REDACTED" {
		t.Fatalf("the sentinel password is not redacted: %+v", r.Redis)
	}
	c, err = Load(Options{LookupEnv: env(map[string]string{"ENSEMBLE_KEYS": "a:" + goodSecret,
		"ENSEMBLE_REDIS_CLUSTER_ADDRESSES": "10.0.0.1:7000,10.0.0.2:7000"})})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Redis.ClusterAddresses, []string{"10.0.0.1:7000", "10.0.0.2:7000"}) || c.Redis.Options().KeyTag() != "{ensemble}" {
		t.Fatalf("cluster config: %+v", c.Redis)
	}
}

func TestUnknownKeysNamed(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"htp_port: 1\n", `"htp_port" (line 1)`},
		{"keys: {}\nlimits:\n  max_participant: 3\n", `"limits.max_participant" (line 3)`},
		{"redis: {adress: x}\n", `"redis.adress"`},
		{"dev: true\n", `"dev"`},
		{"webhooks:\n  url: http://x\n", `"webhooks.url" (line 2)`},
		{"sip:\n  trunks:\n    - name: a\n      pasword: x\n", `"sip.trunks[0].pasword" (line 4)`},
	}
	for _, tt := range tests {
		c := Default(false)
		err := DecodeYAML([]byte(tt.yaml), c)
		if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want ErrUnknownKey naming %s", tt.yaml, err, tt.want)
		}
	}
}

// Every bad value is refused with an error naming the setting.
func TestBadValuesNamed(t *testing.T) {
	keys := "keys: {k: " + goodSecret + "}\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"port not a number", keys + "http_port: abc\n", "http_port (line 2)"},
		{"port too big", keys + "udp_port: 70000\n", "udp_port: 70000"},
		{"negative port", keys + "http_port: -5\n", "http_port: -5"},
		{"port range backwards", keys + "udp_port_range: 60000-50000\n", "udp_port_range: \"60000-50000\""},
		{"port range not a range", keys + "udp_port_range: many\n", "udp_port_range: \"many\""},
		{"tcp equals http", keys + "tcp_port: 7880\n", "tcp_port: 7880"},
		{"bind not an IP", keys + "bind: example.com\n", "bind:"},
		{"nat ip", keys + "nat_1to1_ips: [1.2.3.4, nope]\n", "nat_1to1_ips[1]"},
		{"nat ips not a list", keys + "nat_1to1_ips: {a: b}\n", "nat_1to1_ips (line 2)"},
		{"duration not a duration", keys + "resume_grace: soon\n", "resume_grace (line 2)"},
		{"duration without unit", keys + "drain_timeout: 30\n", "drain_timeout (line 2)"},
		{"zero duration", keys + "resume_grace: 0s\n", "resume_grace: 0s is not a positive"},
		{"negative duration", keys + "drain_timeout: -1s\n", "drain_timeout: -1s"},
		{"no keys", "http_port: 1234\n", "keys: at least one"},
		{"short secret", "keys: {k: short}\n", "keys.k: secret has 5 characters"},
		{"dev secret in production", "keys: {devkey: " + auth.DevAPISecret + "}\n", "keys.devkey: uses the public development secret"},
		{"key name with colon", "keys: {\"a:b\": " + goodSecret + "}\n", "may not contain"},
		{"keys not a mapping", "keys: [a, b]\n", "keys (line 1)"},
		{"negative limit", keys + "limits: {max_participants_per_room: -1}\n", "limits.max_participants_per_room"},
		{"tiny messages", keys + "limits: {max_message_bytes: 10}\n", "limits.max_message_bytes: 10"},
		{"limits not a mapping", keys + "limits: 5\n", "limits (line 2): want a mapping"},
		{"redis password alone", keys + "redis: {password: x}\n", "redis.password: set without"},
		{"redis address", keys + "redis: {address: localhost}\n", "redis.address"},
		{"redis db", keys + "redis: {address: 'h:1', db: -1}\n", "redis.db"},
		{"redis address and sentinel", keys + "redis: {address: 'h:1', sentinel: {master_name: m, addresses: ['s:26379']}}\n", "redis.address: set together with a Sentinel configuration"},
		{"redis address and cluster", keys + "redis: {address: 'h:1', cluster_addresses: ['c:7000']}\n", "redis.address: set together with cluster addresses"},
		{"redis sentinel and cluster", keys + "redis: {sentinel: {master_name: m, addresses: ['s:26379']}, cluster_addresses: ['c:7000']}\n", "redis.cluster_addresses: set together with a Sentinel configuration"},
		{"redis sentinel without master", keys + "redis: {sentinel: {addresses: ['s:26379']}}\n", "redis.sentinel.master_name: empty"},
		{"redis sentinel without addresses", keys + "redis: {sentinel: {master_name: m}}\n", "redis.sentinel.addresses: empty"},
		{"redis sentinel address", keys + "redis: {sentinel: {master_name: m, addresses: ['s:1', nope]}}\n", "redis.sentinel.addresses[1]: \"nope\" is not host:port"},
		{"redis sentinel password alone", keys + "redis: {address: 'h:1', sentinel: {password: x}}\n", "redis.sentinel.password: set without a Sentinel"},
		{"redis cluster db", keys + "redis: {cluster_addresses: ['c:7000'], db: 3}\n", "redis.db: 3: Redis Cluster has only database 0"},
		{"placement unknown", keys + "cluster: {placement: nearest}\n", "cluster.placement: \"nearest\" is not load or region"},
		{"region placement without region", keys + "cluster: {placement: region}\n", "cluster.placement: region needs cluster.region"},
		{"negative participants per node", keys + "cluster: {max_participants_per_node: -1}\n", "cluster.max_participants_per_node: -1 is negative"},
		{"redis cluster duplicate", keys + "redis: {cluster_addresses: ['c:7000', 'c:7000']}\n", "redis.cluster_addresses[1]: \"c:7000\" is listed twice"},
		{"webhook url", keys + "webhooks: {urls: [ftp://x]}\n", "webhooks.urls[0]"},
		{"webhook key", keys + "webhooks: {urls: ['http://h/'], api_key: nope}\n", "webhooks.api_key: \"nope\""},
		{"public url", keys + "public_url: meet.example.com\n", "public_url:"},
		{"sip domain", keys + "sip: {domain: 'sip:x@y'}\n", "sip.domain"},
		{"sip phone number", keys + "sip: {phone_number: 'call me'}\n", "sip.phone_number"},
		{"sip listen", keys + "sip: {listen: 'localhost:5060', domain: d.example}\n", "sip.listen: \"localhost:5060\" is not IP:port"},
		{"sip listen everywhere", keys + "sip: {listen: '0.0.0.0:5060', domain: d.example}\n", "sip.public_ip: is required"},
		{"sip listen without domain", keys + "sip: {listen: '127.0.0.1:5060'}\n", "sip.domain: is required"},
		{"sip transport", keys + "sip: {listen: '127.0.0.1:5060', domain: d.example, transports: [udp, sctp]}\n", "sip.transports[1]"},
		{"sip rtp ports", keys + "sip: {listen: '127.0.0.1:5060', domain: d.example, rtp_port_range: '3000'}\n", "sip.rtp_port_range"},
		{"sip gateway number", keys + "sip: {listen: '127.0.0.1:5060', domain: d.example, gateway_number: '+33'}\n", "sip.gateway_number"},
		{"sip registrar", keys + "sip: {listen: '127.0.0.1:5060', domain: d.example, registrar: 'pbx.example.com', register_user: u}\n", "sip.registrar"},
		{"sip registrar without user", keys + "sip: {listen: '127.0.0.1:5060', domain: d.example, registrar: 'sip:pbx.example.com'}\n", "sip.register_user"},
		{"sip trunk without name", keys + "sip: {listen: '127.0.0.1:5060', domain: d.example, trunks: [{allow: [10.0.0.0/8]}]}\n", "sip.trunks[0].name: is required"},
		{"sip trunk names", keys + "sip: {listen: '127.0.0.1:5060', domain: d.example, trunks: [{name: a, allow: [10.0.0.1]}, {name: a, allow: [10.0.0.2]}]}\n", "sip.trunks[1].name"},
		{"sip trunk network", keys + "sip: {listen: '127.0.0.1:5060', domain: d.example, trunks: [{name: a, allow: [10.0.0.0/33]}]}\n", "sip.trunks[0].allow[0]"},
		{"sip trunk open to all", keys + "sip: {listen: '127.0.0.1:5060', domain: d.example, trunks: [{name: a}]}\n", "sip.trunks[0].allow: is required"},
		{"sip trunk user without password", keys + "sip: {listen: '127.0.0.1:5060', domain: d.example, trunks: [{name: a, user: u}]}\n", "sip.trunks[0].password"},
		{"sip trunk unused credentials", keys + "sip: {listen: '127.0.0.1:5060', domain: d.example, trunks: [{name: a, allow: [10.0.0.1], user: u, password: p, require_auth: false}]}\n", "sip.trunks[0].require_auth"},
		{"sip max calls", keys + "sip: {listen: '127.0.0.1:5060', domain: d.example, max_calls: -1}\n", "sip.max_calls"},
		{"log level", keys + "log_level: loud\n", "log_level: \"loud\""},
		{"duplicate key", keys + "http_port: 1\nhttp_port: 2\n", "http_port"},
		{"two documents", keys + "---\nhttp_port: 1\n", "more than one YAML document"},
		{"not YAML", "a: [\n", "cannot read configuration file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(Options{File: writeFile(t, tt.yaml), LookupEnv: env(nil)})
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not name %q", err, tt.want)
			}
			if strings.Contains(err.Error(), goodSecret) {
				t.Fatalf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	c := Default(false)
	c.HTTPPort, c.LogLevel, c.DataDir = 99999, "loud", "/d"
	err := c.Validate()
	for _, want := range []string{"http_port", "log_level", "keys"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v does not mention %s", err, want)
		}
	}
	if !errors.Is(err, ErrInvalidValue) {
		t.Errorf("not ErrInvalidValue: %v", err)
	}
}

func TestBadEnvNamed(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"ENSEMBLE_HTTP_PORT", "eighty", `ENSEMBLE_HTTP_PORT="eighty": not an integer`},
		{"ENSEMBLE_RESUME_GRACE", "5", "ENSEMBLE_RESUME_GRACE"},
		{"ENSEMBLE_KEYS", "justakey", "ENSEMBLE_KEYS: item 1"},
		{"ENSEMBLE_NAT_1TO1_IPS", "1.2.3", "nat_1to1_ips[0]"},
		{"ENSEMBLE_UDP_PORT", "0x10000", "ENSEMBLE_UDP_PORT"},
	}
	for _, tt := range tests {
		_, err := Load(Options{LookupEnv: env(map[string]string{"ENSEMBLE_KEYS": "k:" + goodSecret, tt.name: tt.value})})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s=%s: error %v, want it to contain %q", tt.name, tt.value, err, tt.want)
		}
	}
	_, err := Load(Options{LookupEnv: env(map[string]string{"ENSEMBLE_KEYS": "k:" + goodSecret + ",k2"})})
	if err == nil || strings.Contains(err.Error(), goodSecret) {
		t.Errorf("bad ENSEMBLE_KEYS error leaks or is missing: %v", err)
	}
}

func TestBadFlagNamed(t *testing.T) {
	_, err := loadArgs(t, []string{"--http-port", "x"}, nil)
	if err == nil || !strings.Contains(err.Error(), "-http-port") {
		t.Fatalf("error %v does not name --http-port", err)
	}
	_, err = loadArgs(t, []string{"--dev", "--resume-grace", "-3s"}, nil)
	if err == nil || !strings.Contains(err.Error(), "resume_grace") {
		t.Fatalf("error %v does not name resume_grace", err)
	}
	_, err = loadArgs(t, []string{"--config", filepath.Join(t.TempDir(), "missing.yaml")}, nil)
	if !errors.Is(err, ErrReadFile) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestNullValuesKeepDefaults(t *testing.T) {
	c := Default(false)
	if err := DecodeYAML([]byte("http_port:\nlimits:\n"), c); err != nil {
		t.Fatal(err)
	}
	if c.HTTPPort != DefaultHTTPPort || c.Limits.MaxMessageBytes != DefaultMaxMessageBytes {
		t.Fatalf("%+v", c)
	}
	if err := DecodeYAML(nil, c); err != nil {
		t.Fatalf("empty file: %v", err)
	}
}

func TestSigningKey(t *testing.T) {
	one := &Config{Keys: auth.Keys{"a": "sa"}}
	two := &Config{Keys: auth.Keys{"a": "sa", "b": "sb"}}
	dev := &Config{Dev: true, Keys: auth.Keys{"a": "sa", auth.DevAPIKey: auth.DevAPISecret}}
	tests := []struct {
		name    string
		c       *Config
		want    string
		key     string
		wantErr string
	}{
		{"only key", one, "", "a", ""},
		{"chosen", two, "b", "b", ""},
		{"ambiguous", two, "", "", "choose one with --api-key"},
		{"not configured", one, "zz", "", `"zz" is not configured`},
		{"none", &Config{}, "", "", "no API keys"},
		{"dev default", dev, "", auth.DevAPIKey, ""},
		{"dev chosen", dev, "a", "a", ""},
	}
	for _, tt := range tests {
		k, s, err := tt.c.SigningKey(tt.want)
		if tt.wantErr != "" {
			if !errors.Is(err, ErrNoSigningKey) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || k != tt.key || s != tt.c.Keys[tt.key] {
			t.Errorf("%s: = %q, %v", tt.name, k, err)
		}
	}
}

func TestSlogLevel(t *testing.T) {
	if l := (&Config{LogLevel: "warn"}).SlogLevel(); l.String() != "WARN" {
		t.Fatal(l)
	}
}

func TestFlagHelpShowsDefaults(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var out strings.Builder
	fs.SetOutput(&out)
	NewFlags(fs)
	fs.PrintDefaults()
	for _, want := range []string{"-http-port", "(default 7880)", "ENSEMBLE_HTTP_PORT", "-dev", "-config"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "-keys") {
		t.Error("secrets must not be flags")
	}
}

func TestUDPPortRange(t *testing.T) {
	c := Default(false)
	c.UDPPortRange = " 50000 - 50100 "
	if lo, hi := c.PortRange(); lo != 50000 || hi != 50100 {
		t.Fatalf("PortRange() = %d, %d", lo, hi)
	}
	c.UDPPortRange = ""
	if lo, hi := c.PortRange(); lo != 0 || hi != 0 {
		t.Fatalf("unset PortRange() = %d, %d", lo, hi)
	}
}

// The sign-in section: read from the file, secrets from the environment only, the
// redirect URL derived from public_url, and bad values named.
func TestOIDCSettings(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	yaml := "keys: {k: " + strings.Repeat("s", 32) + "}\npublic_url: https://meet.example.org\n" +
		"oidc:\n  issuer: https://idp.example.org\n  client_id: ensemble\n  host_email_domains: [example.org]\n  session_ttl: 8h\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(Options{File: file, LookupEnv: env(map[string]string{
		"ENSEMBLE_OIDC_CLIENT_SECRET": "cs", "ENSEMBLE_OIDC_SESSION_SECRET": strings.Repeat("x", 32), "ENSEMBLE_OIDC_HOST_GROUPS": "a, b"})})
	if err != nil {
		t.Fatal(err)
	}
	o := c.OIDC
	if o.RedirectURL != "https://meet.example.org/auth/callback" || o.ClientSecret != "cs" || o.SessionTTL != 8*time.Hour ||
		len(o.HostGroups) != 2 || o.HostEmailDomains[0] != "example.org" {
		t.Fatalf("oidc = %+v", o)
	}
	if r := c.Redacted(); r.OIDC.ClientSecret != "REDACTED" || r.OIDC.SessionSecret != "REDACTED" {
		t.Fatalf("not redacted: %+v", r.OIDC)
	}
	_, err = Load(Options{File: file, LookupEnv: env(map[string]string{"ENSEMBLE_OIDC_SESSION_SECRET": "short", "ENSEMBLE_OIDC_ISSUER": "idp"})})
	if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "oidc.session_secret") || !strings.Contains(err.Error(), "oidc.issuer") {
		t.Fatalf("bad oidc settings: %v", err)
	}
}

// sip.trunks: read entry by entry, authentication required by default with
// credentials, networks parsed, passwords redacted.
func TestSIPTrunks(t *testing.T) {
	yaml := "keys: {k: " + strings.Repeat("s", 32) + "}\nsip:\n  listen: 127.0.0.1:5060\n  domain: sip.example.org\n  trunks:\n" +
		"    - {name: carrier, allow: [192.0.2.0/24, 198.51.100.7]}\n" +
		"    - {name: phones, user: alice, password: s3cret}\n"
	c, err := Load(Options{File: writeFile(t, yaml), LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	tr := c.SIP.Trunks
	if len(tr) != 2 || tr[0].AuthRequired() || !tr[1].AuthRequired() || tr[1].User != "alice" {
		t.Fatalf("trunks = %+v", tr)
	}
	if n := tr[0].Networks(); len(n) != 2 || n[1].String() != "198.51.100.7/32" {
		t.Fatalf("networks = %v", n)
	}
	if r := c.Redacted(); r.SIP.Trunks[1].Password != "REDACTED" || c.SIP.Trunks[1].Password != "s3cret" {
		t.Fatalf("redacted %q, kept %q", r.SIP.Trunks[1].Password, c.SIP.Trunks[1].Password)
	}
}
