package config

import (
	"net"
	"strconv"
)

// validateSIPTLS checks SIP over TLS: a bridge (sip.listen), an IP:port of
// its own, other than sip.listen's TCP, and a certificate and key with it
// (whether they load is checked when the bridge starts).
func validateSIPTLS(s *SIP, bad func(field, format string, args ...any)) {
	if s.Listen == "" {
		if s.TLSListen != "" {
			bad("sip.tls_listen", "needs sip.listen: the bridge runs only with it (and serves UDP there too)")
		}
		return
	}
	if s.TLSListen == "" {
		if s.TLSCertFile != "" || s.TLSKeyFile != "" || s.TLSCAFile != "" {
			bad("sip.tls_listen", "is required with sip.tls_cert_file, sip.tls_key_file and sip.tls_ca_file")
		}
		return
	}
	host, port, err := net.SplitHostPort(s.TLSListen)
	n, perr := strconv.Atoi(port)
	switch {
	case err != nil || perr != nil || n < 1 || n > 65535 || (host != "" && net.ParseIP(host) == nil):
		bad("sip.tls_listen", "%q is not IP:port", s.TLSListen)
	case s.TLSListen == s.Listen:
		bad("sip.tls_listen", "%q is sip.listen's address, where SIP over TCP is served; give TLS its own port (5061)", s.TLSListen)
	}
	if s.TLSCertFile == "" || s.TLSKeyFile == "" {
		bad("sip.tls_cert_file", "sip.tls_listen needs sip.tls_cert_file and sip.tls_key_file")
	}
}
