package config

import (
	"errors"
	"strings"
	"testing"
)

// sip.bridge_url joins the server to a bridge in its own process: it signs
// with sip.bridge_api_key (or the first key); the bridge cannot also run in
// the server, and the key must be one of keys.
func TestSIPBridgeURL(t *testing.T) {
	keys := "keys: {a: " + strings.Repeat("s", 32) + ", b: " + strings.Repeat("t", 32) + "}\n"
	c, err := Load(Options{File: writeFile(t, keys+"sip:\n  bridge_url: http://10.0.0.6:8090\n"), LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if k, s := c.BridgeKey(); k != "a" || s != strings.Repeat("s", 32) {
		t.Fatalf("bridge key %q", k)
	}
	c, err = Load(Options{File: writeFile(t, keys), LookupEnv: env(map[string]string{
		"ENSEMBLE_SIP_BRIDGE_URL": "http://10.0.0.6:8090", "ENSEMBLE_SIP_BRIDGE_API_KEY": "b"})})
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := c.BridgeKey(); k != "b" || c.SIP.BridgeURL != "http://10.0.0.6:8090" {
		t.Fatalf("bridge %q, key %q", c.SIP.BridgeURL, k)
	}
	for yaml, want := range map[string]string{
		"sip:\n  bridge_url: http://10.0.0.6:8090\n  listen: 127.0.0.1:5060\n  domain: sip.test\n": "sip.bridge_url: set with sip.listen",
		"sip:\n  bridge_url: 10.0.0.6:8090\n":                                                      "sip.bridge_url:",
		"sip:\n  bridge_url: http://10.0.0.6:8090\n  bridge_api_key: c\n":                          `sip.bridge_api_key: "c" is not one of the configured keys`,
		"sip:\n  bridge_api_key: a\n":                                                              "sip.bridge_api_key: set without sip.bridge_url",
		"sip:\n  http: nowhere\n":                                                                  `sip.http: "nowhere" is not host:port`,
	} {
		_, err := Load(Options{File: writeFile(t, keys+yaml), LookupEnv: env(nil)})
		if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", yaml, err, want)
		}
	}
}

// ValidateBridge checks the sip: section as `ensemble sip` takes it: listen
// and domain are needed, trunks are checked.
func TestSIPValidateBridge(t *testing.T) {
	ok := SIP{Listen: "127.0.0.1:5060", Domain: "sip.test", HTTP: "127.0.0.1:8090",
		Trunks: []SIPTrunk{{Name: "phones", User: "alice", Password: "s3cret"}}}
	if err := ok.ValidateBridge(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		s    SIP
		want string
	}{
		{SIP{Domain: "sip.test"}, "sip.listen: is required"},
		{SIP{Listen: "127.0.0.1:5060"}, "sip.domain: is required"},
		{SIP{Listen: "127.0.0.1:5060", Domain: "sip.test", Trunks: []SIPTrunk{{Name: "x"}}}, "sip.trunks[0]"},
		{SIP{Listen: "127.0.0.1:5060", Domain: "sip.test", HTTP: ":x"}, "sip.http"},
	} {
		if err := tc.s.ValidateBridge(); !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.s, err, tc.want)
		}
	}
}
