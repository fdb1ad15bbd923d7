package config

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Flags are the configuration flags registered on a FlagSet by NewFlags.
type Flags struct {
	Dev    bool   // --dev
	File   string // --config
	values []*settingFlag
}

// settingFlag keeps a flag's text until Load applies it after the file and the
// environment, so that flags win whatever the order of steps.
type settingFlag struct {
	s   setting
	def string
	val string
	set bool
}

func (f *settingFlag) String() string {
	if f == nil {
		return ""
	}
	if f.set {
		return f.val
	}
	return f.def
}

func (f *settingFlag) Set(v string) error {
	// Check the text at parse time so flag's own error names the flag.
	if err := f.s.set(Default(false), v); err != nil {
		return err
	}
	f.val, f.set = v, true
	return nil
}

// NewFlags defines on fs: --dev, --config and one flag per non-secret setting
// (--bind, --http-port, --udp-port, --tcp-port, --nat-1to1-ips, --public-url,
// --data-dir, --log-level, --redis-address, --redis-db, --redis-sentinel-master,
// --redis-sentinel-addresses, --redis-cluster-addresses, --resume-grace,
// --drain-timeout, --max-participants, --max-tracks, --max-message-bytes,
// --webhook-urls, --webhook-api-key, --sip-domain, --sip-phone-number, --oidc-issuer,
// --oidc-client-id, --oidc-redirect-url, --oidc-session-ttl, --oidc-host-email-domains,
// --oidc-host-groups, --oidc-groups-claim). Secrets (keys, Redis passwords, the OIDC
// client and session secrets) come only from the file or the environment.
func NewFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.BoolVar(&f.Dev, "dev", false, "development mode: public dev API key, listen on 127.0.0.1 unless --bind")
	fs.StringVar(&f.File, "config", "", "YAML configuration file (default $"+EnvConfigFile+")")
	def := defaultTexts()
	for _, s := range settings() {
		if s.flag == "" {
			continue
		}
		sf := &settingFlag{s: s, def: def[s.yamlPath]}
		f.values = append(f.values, sf)
		fs.Var(sf, s.flag, s.usage+" (env "+EnvPrefix+s.env+")")
	}
	return f
}

// Load builds the configuration after fs.Parse: flags > environment > file > defaults.
func (f *Flags) Load(lookupEnv func(string) (string, bool)) (*Config, error) {
	return Load(Options{Dev: f.Dev, File: f.File, LookupEnv: lookupEnv, Override: f.apply})
}

func (f *Flags) apply(c *Config) error {
	for _, sf := range f.values {
		if !sf.set {
			continue
		}
		if err := sf.s.set(c, sf.val); err != nil {
			return fmt.Errorf("%w: flag --%s=%q: %w", ErrInvalidValue, sf.s.flag, sf.val, err)
		}
	}
	return nil
}

// RegisterFlags is NewFlags for the common case: call it before fs.Parse and the
// returned function after, to get the configuration read with os.LookupEnv.
//
//	load := config.RegisterFlags(fs)
//	if err := fs.Parse(args); err != nil { return err }
//	cfg, err := load()
func RegisterFlags(fs *flag.FlagSet) func() (*Config, error) {
	f := NewFlags(fs)
	return func() (*Config, error) { return f.Load(os.LookupEnv) }
}

// defaultTexts renders the defaults for flag help.
func defaultTexts() map[string]string {
	d := Default(false)
	return map[string]string{
		"http_port":                         strconv.Itoa(d.HTTPPort),
		"udp_port":                          strconv.Itoa(d.UDPPort),
		"tcp_port":                          strconv.Itoa(d.TCPPort),
		"limits.max_participants_per_room":  "0",
		"limits.max_tracks_per_participant": "0",
		"limits.max_message_bytes":          strconv.Itoa(d.Limits.MaxMessageBytes),
		"resume_grace":                      d.ResumeGrace.String(),
		"drain_timeout":                     d.DrainTimeout.String(),
		"redis.db":                          "0",
		"log_level":                         d.LogLevel,
		"nat_1to1_ips":                      strings.Join(d.NAT1To1IPs, ","),
	}
}
