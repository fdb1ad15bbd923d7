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
	"github.com/ensemble-sfu/ensemble/signalling/oidcauth"
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
	for name, r := range map[string]RateLimit{"joins_per_ip": c.Limits.JoinsPerIP, "guest_joins_per_ip": c.Limits.GuestJoinsPerIP,
		"api_calls_per_ip": c.Limits.APIPerIP, "api_calls_per_key": c.Limits.APIPerKey} {
		if r.PerSecond < 0 || r.Burst < 0 || (r.PerSecond > 0 && r.Burst == 0) {
			bad("limits."+name, "per_second %v and burst %d: both positive, or per_second 0 for no limit", r.PerSecond, r.Burst)
		}
	}
	if c.Limits.MaxRooms < 0 {
		bad("limits.max_rooms", "%d is negative (0 = unlimited)", c.Limits.MaxRooms)
	}
	if p := c.Limits.MaxCPUPercent; p < 0 || p > 100 {
		bad("limits.max_cpu_percent", "%v is outside 0..100 (0 = no budget)", p)
	}
	if c.Limits.MaxEgressMbps < 0 {
		bad("limits.max_egress_mbps", "%v is negative (0 = no budget)", c.Limits.MaxEgressMbps)
	}
	if c.Limits.WebSocketsPerIP < 0 {
		bad("limits.websockets_per_ip", "%d is negative (0 = no cap)", c.Limits.WebSocketsPerIP)
	}
	for i, n := range c.Limits.TrustedProxies {
		if _, err := parseNetwork(n); err != nil {
			bad(fmt.Sprintf("limits.trusted_proxies[%d]", i), "%v", err)
		}
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

	for _, p := range c.Redis.Options().Problems() {
		bad(redisKey(p.Field), "%s", p.Reason)
	}

	for i, u := range c.Webhooks.URLs {
		if err := checkHTTPURL(u); err != nil {
			bad(fmt.Sprintf("webhooks.urls[%d]", i), "%v", err)
		}
	}
	for i, n := range c.Webhooks.AllowNetworks {
		if _, err := parseNetwork(n); err != nil {
			bad(fmt.Sprintf("webhooks.allow_networks[%d]", i), "%v", err)
		}
	}
	if c.Webhooks.GiveUpAfter < 0 {
		bad("webhooks.give_up_after", "%v is negative (0 = default)", c.Webhooks.GiveUpAfter)
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
	if t := c.TLS; (t.CertFile == "") != (t.KeyFile == "") {
		bad("tls", "cert_file and key_file go together")
	} else if t.CertFile != "" && len(t.ACME.Domains) > 0 {
		bad("tls.acme.domains", "certificate files and ACME are exclusive; choose one")
	}
	for i, d := range c.TLS.ACME.Domains {
		if d == "" || strings.ContainsAny(d, "/@ \t:*") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
			bad(fmt.Sprintf("tls.acme.domains[%d]", i), "%q is not a host name", d)
		}
	}
	if u := c.TLS.ACME.Directory; u != "" {
		if err := checkHTTPURL(u); err != nil {
			bad("tls.acme.directory", "%v", err)
		}
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"turn.udp_port", c.TURN.UDPPort}, {"turn.tls_port", c.TURN.TLSPort}} {
		if p.v < 0 || p.v > 65535 {
			bad(p.name, "%d is not a port (0 = off)", p.v)
		}
	}
	if t := c.TURN; (t.CertFile == "") != (t.KeyFile == "") {
		bad("turn", "cert_file and key_file go together")
	} else if t.TLSPort > 0 && t.CertFile == "" && !c.TLS.Enabled() {
		bad("turn.tls_port", "TURN over TLS needs a certificate: turn.cert_file and key_file, or tls:")
	}
	if c.TURN.TLSPort > 0 && c.TURN.TLSPort == c.HTTPPort {
		bad("turn.tls_port", "%d is also http_port", c.TURN.TLSPort)
	}
	if ip := c.TURN.RelayIP; ip != "" && net.ParseIP(ip) == nil {
		bad("turn.relay_ip", "%q is not an IP address", ip)
	}
	if c.TURN.CredentialTTL < 0 || c.TURN.AllocationsPerUser < 0 {
		bad("turn", "credential_ttl and allocations_per_user may not be negative (0 = default)")
	}
	if u := c.Cluster.URL; u != "" {
		if err := checkHTTPURL(u); err != nil {
			bad("cluster.url", "%v", err)
		}
	}
	switch c.Cluster.Placement {
	case "", "load":
	case "region":
		if c.Cluster.Region == "" {
			bad("cluster.placement", "region needs cluster.region (this node's region)")
		}
	default:
		bad("cluster.placement", "%q is not load or region", c.Cluster.Placement)
	}
	if n := c.Cluster.MaxParticipantsPerNode; n < 0 {
		bad("cluster.max_participants_per_node", "%d is negative (0 keeps rooms on their host)", n)
	}
	if id := c.Cluster.NodeID; strings.ContainsAny(id, " \t\n:/") {
		bad("cluster.node_id", "%q may not contain blanks, ':' or '/'", id)
	}
	for i, o := range c.CORS.AllowedOrigins {
		if err := checkOrigin(o); err != nil {
			bad(fmt.Sprintf("cors.allowed_origins[%d]", i), "%v", err)
		}
	}
	signIn := c.OIDC.SignIn()
	for _, e := range signIn.Validate() {
		errs = append(errs, fmt.Errorf("%w: %s", ErrInvalidValue, strings.TrimPrefix(e.Error(), oidcauth.ErrBadConfig.Error()+": ")))
	}
	if c.Recording.MaxConcurrent < 0 {
		bad("recording.max_concurrent", "%d is negative (0 = no bound)", c.Recording.MaxConcurrent)
	}
	if c.Recording.MinFreeMB < 0 {
		bad("recording.min_free_mb", "%d is negative", c.Recording.MinFreeMB)
	}
	if s3 := c.Recording.S3; s3.Endpoint != "" {
		if strings.Contains(s3.Endpoint, "://") {
			bad("recording.s3.endpoint", "%q must be host[:port], without a scheme (recording.s3.insecure chooses http)", s3.Endpoint)
		}
		if s3.Bucket == "" {
			bad("recording.s3.bucket", "empty, with recording.s3.endpoint set")
		}
		if s3.AccessKey == "" || s3.SecretKey == "" {
			bad("recording.s3.access_key", "recording.s3.access_key and secret_key are needed with recording.s3.endpoint")
		}
	}
	validateSIPBridge(&c.SIP, bad)
	validateSIPTLS(&c.SIP, bad)
	validateSIPRemote(c, bad)
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

// checkOrigin accepts a web origin: scheme://host[:port], nothing after.
func checkOrigin(s string) error {
	if s == "*" {
		return fmt.Errorf("\"*\" is not allowed: list the origins of the pages that call the API")
	}
	if err := checkHTTPURL(s); err != nil {
		return err
	}
	u, _ := url.Parse(s)
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%q is not an origin (scheme://host[:port], no path)", s)
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
			bad(fmt.Sprintf("sip.transports[%d]", i), "%q is not udp or tcp (TLS has its own address: sip.tls_listen)", t)
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
	validateSIPTrunks(s.Trunks, bad)
}

// validateSIPTrunks checks sip.trunks: named once each, networks that parse,
// and either an allow list or credentials (never a trunk open to everyone).
func validateSIPTrunks(trunks []SIPTrunk, bad func(field, format string, args ...any)) {
	names := map[string]bool{}
	for i, t := range trunks {
		field := func(name string) string { return fmt.Sprintf("sip.trunks[%d].%s", i, name) }
		switch {
		case t.Name == "":
			bad(field("name"), "is required")
		case names[t.Name]:
			bad(field("name"), "%q is the name of another trunk too", t.Name)
		}
		names[t.Name] = true
		for j, a := range t.Allow {
			if _, err := parseNetwork(a); err != nil {
				bad(fmt.Sprintf("sip.trunks[%d].allow[%d]", i, j), "%v", err)
			}
		}
		switch {
		case t.AuthRequired() && (t.User == "" || t.Password == ""):
			bad(field("password"), "require_auth needs user and password")
		case !t.AuthRequired() && (t.User != "" || t.Password != ""):
			bad(field("require_auth"), "is false, so the credentials would never be asked for")
		case !t.AuthRequired() && len(t.Allow) == 0:
			bad(field("allow"), "is required without credentials: the trunk would let every address call")
		}
	}
}

// redisKey is the YAML path of a redisconn.Options field ("SentinelAddresses[1]"
// is "redis.sentinel.addresses[1]").
func redisKey(field string) string {
	name, index, _ := strings.Cut(field, "[")
	if index != "" {
		index = "[" + index
	}
	key, ok := map[string]string{
		"Address": "redis.address", "Password": "redis.password", "DB": "redis.db",
		"MasterName": "redis.sentinel.master_name", "SentinelAddresses": "redis.sentinel.addresses",
		"SentinelPassword": "redis.sentinel.password", "ClusterAddresses": "redis.cluster_addresses",
	}[name]
	if !ok {
		return "redis"
	}
	return key + index
}
