package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
)

// Validate checks every setting and returns all problems at once, each naming the
// setting by its YAML path and wrapping ErrInvalidValue.
func (c *Config) Validate() error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrInvalidValue, path, fmt.Sprintf(format, args...)))
	}

	if c.Bind != "" && net.ParseIP(c.Bind) == nil {
		bad("bind", "%q is not an IP address", c.Bind)
	}
	for _, p := range []struct {
		name    string
		v, min_ int
	}{{"http_port", c.HTTPPort, 0}, {"udp_port", c.UDPPort, 0}, {"tcp_port", c.TCPPort, -1}} {
		if p.v < p.min_ || p.v > 65535 {
			bad(p.name, "%d is not a port (%d..65535)", p.v, p.min_)
		}
	}
	if c.UDPPortRange != "" {
		if lo, hi := c.PortRange(); lo < 1 || hi > 65535 || lo >= hi {
			bad("udp_port_range", "%q is not MIN-MAX with 1 <= MIN < MAX <= 65535", c.UDPPortRange)
		}
	}
	if c.HTTPPort != 0 && c.HTTPPort == c.TCPPort {
		bad("tcp_port", "%d is also http_port; both are TCP", c.TCPPort)
	}
	for i, ip := range c.NAT1To1IPs {
		if net.ParseIP(ip) == nil {
			bad(fmt.Sprintf("nat_1to1_ips[%d]", i), "%q is not an IP address", ip)
		}
	}

	if len(c.Keys) == 0 && !c.Dev {
		bad("keys", "at least one API key is needed (or run with --dev)")
	}
	for _, name := range c.Keys.Names() {
		secret := c.Keys[name]
		switch {
		case strings.ContainsAny(name, ":, \t\n"):
			bad("keys", "key name %q may not contain ':', ',' or blanks", name)
		case secret == "":
			bad("keys."+name, "empty secret")
		case !c.Dev && secret == auth.DevAPISecret:
			bad("keys."+name, "uses the public development secret; allowed only with --dev")
		case !c.Dev && len(secret) < auth.MinSecretLength:
			bad("keys."+name, "secret has %d characters; at least %d are needed", len(secret), auth.MinSecretLength)
		}
	}

	if c.Limits.MaxParticipantsPerRoom < 0 {
		bad("limits.max_participants_per_room", "%d is negative (0 = unlimited)", c.Limits.MaxParticipantsPerRoom)
	}
	if c.Limits.MaxTracksPerParticipant < 0 {
		bad("limits.max_tracks_per_participant", "%d is negative (0 = default)", c.Limits.MaxTracksPerParticipant)
	}
	if m := c.Limits.MaxMessageBytes; m < 1024 || m > 64<<20 {
		bad("limits.max_message_bytes", "%d is outside 1024..%d", m, 64<<20)
	}
	if c.ResumeGrace <= 0 {
		bad("resume_grace", "%v is not a positive duration", c.ResumeGrace)
	}
	if c.DrainTimeout <= 0 {
		bad("drain_timeout", "%v is not a positive duration", c.DrainTimeout)
	}
	if c.DataDir == "" {
		bad("data_dir", "empty")
	}

	if c.Redis.Address != "" {
		if _, port, err := net.SplitHostPort(c.Redis.Address); err != nil || port == "" {
			bad("redis.address", "%q is not host:port", c.Redis.Address)
		}
	} else if c.Redis.Password != "" {
		bad("redis.password", "set without redis.address")
	}
	if c.Redis.DB < 0 {
		bad("redis.db", "%d is negative", c.Redis.DB)
	}

	for i, u := range c.Webhooks.URLs {
		if err := checkHTTPURL(u); err != nil {
			bad(fmt.Sprintf("webhooks.urls[%d]", i), "%v", err)
		}
	}
	if k := c.Webhooks.APIKey; k != "" {
		if _, ok := c.Keys[k]; !ok {
			bad("webhooks.api_key", "%q is not one of the configured keys %v", k, c.Keys.Names())
		}
	} else if len(c.Webhooks.URLs) > 0 {
		bad("webhooks.api_key", "needed to choose among the keys %v", c.Keys.Names())
	}

	if c.PublicURL != "" {
		if err := checkHTTPURL(c.PublicURL); err != nil {
			bad("public_url", "%v", err)
		}
	}
	if d := c.SIP.Domain; d != "" && (strings.ContainsAny(d, "/@ \t:") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".")) {
		bad("sip.domain", "%q is not a domain name", d)
	}
	if n := c.SIP.PhoneNumber; n != "" && !validPhoneNumber(n) {
		bad("sip.phone_number", "%q is not a phone number (digits, spaces, dots, dashes and parentheses, an optional leading +)", n)
	}
	validateSIPBridge(&c.SIP, bad)
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, strings.ToLower(c.LogLevel)) {
		bad("log_level", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	return errors.Join(errs...)
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL", s)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// validPhoneNumber accepts numbers as people write them: "+33 1 23 45 67 89",
// "(555) 010-0199"; at least 3 digits.
func validPhoneNumber(n string) bool {
	digits := 0
	for i, r := range n {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '.', r == '-', r == '(', r == ')':
		default:
			return false
		}
	}
	return digits >= 3
}

// validateSIPBridge checks the SIP bridge's settings (when Listen is set).
func validateSIPBridge(s *SIP, bad func(field, format string, args ...any)) {
	if s.Listen == "" {
		return
	}
	host, port, err := net.SplitHostPort(s.Listen)
	n, perr := strconv.Atoi(port)
	ip := net.ParseIP(host)
	switch {
	case err != nil || perr != nil || n < 1 || n > 65535 || (host != "" && ip == nil):
		bad("sip.listen", "%q is not IP:port", s.Listen)
	case (host == "" || ip.IsUnspecified()) && s.PublicIP == "":
		bad("sip.public_ip", "is required when sip.listen (%q) is on every interface", s.Listen)
	}
	if s.Domain == "" {
		bad("sip.domain", "is required with sip.listen: it is the domain of the meetings' SIP URIs")
	}
	if s.PublicIP != "" && net.ParseIP(s.PublicIP) == nil {
		bad("sip.public_ip", "%q is not an IP address", s.PublicIP)
	}
	for i, t := range s.Transports {
		if t != "udp" && t != "tcp" {
			bad(fmt.Sprintf("sip.transports[%d]", i), "%q is not udp or tcp", t)
		}
	}
	if len(s.Transports) > 0 && !slices.Contains(s.Transports, "udp") {
		bad("sip.transports", "must include udp")
	}
	if s.RTPPortRange != "" {
		if lo, hi := s.RTPPorts(); lo < 1 || hi > 65535 || lo >= hi {
			bad("sip.rtp_port_range", "%q is not MIN-MAX with 1 <= MIN < MAX <= 65535", s.RTPPortRange)
		}
	}
	if g := s.GatewayNumber; g != "" && strings.Trim(g, "0123456789") != "" {
		bad("sip.gateway_number", "%q is not digits", g)
	}
	if s.Registrar != "" && (!strings.HasPrefix(s.Registrar, "sip:") || strings.ContainsAny(s.Registrar, " \t")) {
		bad("sip.registrar", "%q is not a SIP URI (sip:host[:port])", s.Registrar)
	}
	if (s.Registrar == "") != (s.RegisterUser == "") {
		bad("sip.register_user", "sip.registrar and sip.register_user go together")
	}
	if s.MaxCalls < 0 {
		bad("sip.max_calls", "%d is negative", s.MaxCalls)
	}
}
