package config

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
)

// Options say where Load takes the configuration from.
type Options struct {
	// Dev selects development mode: dev key, loopback bind.
	Dev bool
	// File is the YAML configuration file; "" = $ENSEMBLE_CONFIG, or none.
	File string
	// LookupEnv reads the environment; nil = os.LookupEnv. Tests pass a map's lookup.
	LookupEnv func(string) (string, bool)
	// Override runs after the environment is applied: command-line flags go here.
	Override func(*Config) error
}

// Load builds the final configuration, each step overriding the one before:
// Default(o.Dev), the YAML file, the ENSEMBLE_* environment, o.Override (flags). Then it
// fills the derived defaults (data dir, public URL, the dev key in dev mode, the
// webhook key when only one key exists) and validates.
func Load(o Options) (*Config, error) {
	lookup := o.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	c := Default(o.Dev)
	file := o.File
	if file == "" {
		file, _ = lookup(EnvConfigFile)
	}
	if file != "" {
		if err := LoadFile(file, c); err != nil {
			return nil, err
		}
	}
	if err := ApplyEnv(c, lookup); err != nil {
		return nil, err
	}
	if o.Override != nil {
		if err := o.Override(c); err != nil {
			return nil, err
		}
	}
	c.fillDerived(lookup)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// fillDerived sets the defaults that depend on other settings.
func (c *Config) fillDerived(lookup func(string) (string, bool)) {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir(lookup)
	}
	if c.Recording.Dir == "" {
		c.Recording.Dir = filepath.Join(c.DataDir, "recordings")
	}
	if c.Dev {
		// --dev always accepts the dev key, so `ensemble token --dev` works against any
		// `ensemble serve --dev`, whatever other keys a file adds.
		if c.Keys == nil {
			c.Keys = auth.Keys{}
		}
		c.Keys[auth.DevAPIKey] = auth.DevAPISecret
	}
	if c.Dev && c.Webhooks.AllowNetworks == nil {
		// A developer's webhook receiver runs on the same machine.
		c.Webhooks.AllowNetworks = []string{"127.0.0.0/8", "::1/128"}
	}
	if c.Webhooks.APIKey == "" && len(c.Webhooks.URLs) > 0 && len(c.Keys) == 1 {
		c.Webhooks.APIKey = c.Keys.Names()[0]
	}
	if len(c.TLS.ACME.Domains) > 0 && c.TLS.ACME.CacheDir == "" {
		c.TLS.ACME.CacheDir = filepath.Join(c.DataDir, "acme")
	}
	if c.PublicURL == "" && len(c.TLS.ACME.Domains) > 0 {
		c.PublicURL = "https://" + c.TLS.ACME.Domains[0]
		if c.HTTPPort != 443 {
			c.PublicURL += ":" + strconv.Itoa(c.HTTPPort)
		}
	}
	if c.PublicURL == "" && c.HTTPPort > 0 {
		scheme := "http://"
		if c.TLS.Enabled() {
			scheme = "https://"
		}
		c.PublicURL = scheme + net.JoinHostPort(c.publicHost(), strconv.Itoa(c.HTTPPort))
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.OIDC.Issuer != "" && c.OIDC.RedirectURL == "" && c.PublicURL != "" {
		c.OIDC.RedirectURL = c.PublicURL + "/auth/callback"
	}
	c.LogLevel = strings.ToLower(c.LogLevel)
}

// publicHost guesses the host of join links when public_url is not set: the bind
// address if it is a specific one, else the first NAT 1:1 IP, else localhost.
func (c *Config) publicHost() string {
	if ip := net.ParseIP(c.Bind); ip != nil && !ip.IsUnspecified() {
		return c.Bind
	}
	if len(c.NAT1To1IPs) > 0 {
		return c.NAT1To1IPs[0]
	}
	return "localhost"
}

// SigningKey picks the API key a command-line tool signs with: want when given (it must
// be configured), else the dev key in dev mode, else the only key.
func (c *Config) SigningKey(want string) (key, secret string, err error) {
	switch {
	case want != "":
		s, ok := c.Keys[want]
		if !ok {
			return "", "", fmt.Errorf("%w: API key %q is not configured (configured: %v)", ErrNoSigningKey, want, c.Keys.Names())
		}
		return want, s, nil
	case c.Dev:
		return auth.DevAPIKey, auth.DevAPISecret, nil
	case len(c.Keys) == 1:
		k := c.Keys.Names()[0]
		return k, c.Keys[k], nil
	case len(c.Keys) == 0:
		return "", "", fmt.Errorf("%w: no API keys configured (use --dev, --config or ENSEMBLE_KEYS)", ErrNoSigningKey)
	}
	return "", "", fmt.Errorf("%w: several API keys configured %v; choose one with --api-key", ErrNoSigningKey, c.Keys.Names())
}
