package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// validateSIPRemote checks the settings that join `ensemble serve` to a bridge
// in its own process: its URL and the key it holds, and the bridge's own
// HTTP address.
func validateSIPRemote(c *Config, bad func(field, format string, args ...any)) {
	s := &c.SIP
	if s.HTTP != "" {
		if err := checkHostPort(s.HTTP); err != nil {
			bad("sip.http", "%v", err)
		}
	}
	if s.BridgeURL == "" {
		if s.BridgeAPIKey != "" {
			bad("sip.bridge_api_key", "set without sip.bridge_url")
		}
		return
	}
	if s.Listen != "" {
		bad("sip.bridge_url", "set with sip.listen: the bridge runs either in this process or in its own, not both")
	}
	if err := checkHTTPURL(s.BridgeURL); err != nil {
		bad("sip.bridge_url", "%v", err)
	}
	if k := s.BridgeAPIKey; k != "" {
		if _, ok := c.Keys[k]; !ok {
			bad("sip.bridge_api_key", "%q is not one of the configured keys %v", k, c.Keys.Names())
		}
	}
}

// BridgeKey is the key the server signs its requests to a bridge in its own
// process with: sip.bridge_api_key, or the first key by name.
func (c *Config) BridgeKey() (key, secret string) {
	key = c.SIP.BridgeAPIKey
	if key == "" {
		if names := c.Keys.Names(); len(names) > 0 {
			key = names[0]
		}
	}
	return key, c.Keys[key]
}

// ValidateBridge checks the sip: section as `ensemble sip` uses it (the
// bridge in its own process): everything sip.listen needs, trunks included,
// and sip.http. All problems at once, each wrapping ErrInvalidValue.
func (s SIP) ValidateBridge() error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrInvalidValue, path, fmt.Sprintf(format, args...)))
	}
	if s.Listen == "" {
		bad("sip.listen", "is required: the bridge's SIP address, IP:port")
	}
	validateSIPBridge(&s, bad)
	validateSIPTLS(&s, bad)
	if s.HTTP != "" {
		if err := checkHostPort(s.HTTP); err != nil {
			bad("sip.http", "%v", err)
		}
	}
	return errors.Join(errs...)
}

// checkHostPort accepts host:port (host may be empty: every interface).
func checkHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q is not host:port", addr)
	}
	return nil
}
