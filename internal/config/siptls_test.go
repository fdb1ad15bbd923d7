package config

import (
	"strings"
	"testing"
)

// sip.tls_*: read from the file and the environment, and refused with the
// field at fault when they do not go together.
func TestSIPTLS(t *testing.T) {
	keys := "keys: {k: " + strings.Repeat("s", 32) + "}\n"
	base := keys + "sip:\n  listen: 127.0.0.1:5060\n  domain: sip.example.org\n"
	c, err := Load(Options{File: writeFile(t, base+"  tls_listen: 127.0.0.1:5061\n  tls_cert_file: /etc/sip.pem\n  tls_key_file: /etc/sip.key\n  tls_ca_file: /etc/ca.pem\n"), LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if s := c.SIP; s.TLSListen != "127.0.0.1:5061" || s.TLSCertFile != "/etc/sip.pem" || s.TLSKeyFile != "/etc/sip.key" || s.TLSCAFile != "/etc/ca.pem" {
		t.Fatalf("sip = %+v", s)
	}
	c, err = Load(Options{File: writeFile(t, base+"  trunks:\n    - {name: carrier, allow: [192.0.2.0/24], require_srtp: true}\n"), LookupEnv: env(nil)})
	if err != nil || !c.SIP.Trunks[0].RequireSRTP {
		t.Fatalf("require_srtp: %v, %+v", err, c.SIP.Trunks)
	}
	c, err = Load(Options{File: writeFile(t, base), LookupEnv: env(map[string]string{
		"ENSEMBLE_SIP_TLS_LISTEN": ":5061", "ENSEMBLE_SIP_TLS_CERT_FILE": "c.pem", "ENSEMBLE_SIP_TLS_KEY_FILE": "k.pem"})})
	if err != nil {
		t.Fatal(err)
	}
	if c.SIP.TLSListen != ":5061" || c.SIP.TLSKeyFile != "k.pem" {
		t.Fatalf("from the environment: %+v", c.SIP)
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"not IP:port", "  tls_listen: 'localhost:5061'\n  tls_cert_file: c\n  tls_key_file: k\n", `sip.tls_listen: "localhost:5061" is not IP:port`},
		{"no port", "  tls_listen: '127.0.0.1'\n  tls_cert_file: c\n  tls_key_file: k\n", `sip.tls_listen: "127.0.0.1" is not IP:port`},
		{"sip.listen's port", "  tls_listen: '127.0.0.1:5060'\n  tls_cert_file: c\n  tls_key_file: k\n", "sip.tls_listen: \"127.0.0.1:5060\" is sip.listen's address"},
		{"no key", "  tls_listen: '127.0.0.1:5061'\n  tls_cert_file: c\n", "sip.tls_cert_file: sip.tls_listen needs"},
		{"certificate without listener", "  tls_cert_file: c\n  tls_key_file: k\n", "sip.tls_listen: is required"},
		{"CA without listener", "  tls_ca_file: ca.pem\n", "sip.tls_listen: is required"},
		{"tls as a transport", "  transports: [udp, tls]\n", "sip.transports[1]: \"tls\" is not udp or tcp (TLS has its own address: sip.tls_listen)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(Options{File: writeFile(t, base+tc.yaml), LookupEnv: env(nil)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	_, err = Load(Options{File: writeFile(t, keys+"sip: {domain: sip.example.org, tls_listen: '127.0.0.1:5061', tls_cert_file: c, tls_key_file: k}\n"), LookupEnv: env(nil)})
	if err == nil || !strings.Contains(err.Error(), "sip.tls_listen: needs sip.listen") {
		t.Fatalf("TLS without a bridge: %v", err)
	}
}
