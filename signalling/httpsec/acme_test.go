package httpsec_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/httpsec"
)

// pebbleVersion is Let's Encrypt's test ACME server, built from its Go module by the
// test: a real ACME authority that validates challenges against our listener.
const pebbleVersion = "github.com/letsencrypt/pebble/v2/cmd/pebble@v2.10.3"

// testDomain resolves to 127.0.0.1 through loopbackDNS only.
const testDomain = "meet.ensemble.test"

func buildPebble(t *testing.T) string {
	t.Helper()
	gobin := t.TempDir()
	cmd := exec.Command("go", "install", pebbleVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("building pebble: %v\n%s", err, out)
		}
		t.Skipf("cannot build pebble (%v); outside CI the ACME test is skipped", err)
	}
	return filepath.Join(gobin, "pebble")
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// A server configured with an ACME domain gets its certificate from a real ACME
// server (Pebble) on the first TLS handshake, through the TLS-ALPN-01 challenge
// answered on its own listener, and serves it.
func TestACMECertificateFromPebble(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Pebble")
	}
	pebble := buildPebble(t)
	dir := t.TempDir()

	// Pebble's own API listener needs a certificate; ours trusts it.
	wfeCert, wfeKey := filepath.Join(dir, "wfe-cert.pem"), filepath.Join(dir, "wfe-key.pem")
	wfePool := writeCert(t, wfeCert, wfeKey, 7)
	apiPort, mgmtPort, ourPort := freeTCPPort(t), freeTCPPort(t), freeTCPPort(t)
	conf := map[string]any{"pebble": map[string]any{
		"listenAddress":           "127.0.0.1:" + strconv.Itoa(apiPort),
		"managementListenAddress": "127.0.0.1:" + strconv.Itoa(mgmtPort),
		"certificate":             wfeCert, "privateKey": wfeKey,
		"httpPort": freeTCPPort(t), "tlsPort": ourPort,
		"externalAccountBindingRequired": false,
		"profiles":                       map[string]any{"default": map[string]any{"description": "default", "validityPeriod": 86400}},
	}}
	confFile := filepath.Join(dir, "pebble.json")
	b, _ := json.Marshal(conf)
	if err := os.WriteFile(confFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(pebble, "-config", confFile, "-dnsserver", loopbackDNS(t))
	// No random waits before validation, and no nonces refused on purpose: the
	// test checks issuance, not the client's retries.
	cmd.Env = append(os.Environ(), "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0")
	logFile, _ := os.Create(filepath.Join(dir, "pebble.log"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(logFile.Name())
			t.Logf("pebble log:\n%s", log)
		}
	}()

	acmeClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: wfePool}}}
	defer acmeClient.CloseIdleConnections()
	waitUp(t, acmeClient, fmt.Sprintf("https://127.0.0.1:%d/dir", apiPort))

	cfg, err := httpsec.NewTLS(httpsec.TLSOptions{
		ACMEDomains: []string{testDomain}, ACMEEmail: "ops@example.org",
		ACMEDirectory: fmt.Sprintf("https://127.0.0.1:%d/dir", apiPort), ACMECacheDir: filepath.Join(dir, "acme"),
		ACMEHTTPClient: acmeClient,
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(ourPort))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }),
		TLSConfig: cfg.Config}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	defer srv.Close()

	// Pebble's issuing root, from its management API.
	resp, err := acmeClient.Get(fmt.Sprintf("https://127.0.0.1:%d/roots/0", mgmtPort))
	if err != nil {
		t.Fatal(err)
	}
	rootPEM, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(rootPEM) {
		blk, _ := pem.Decode(rootPEM)
		t.Fatalf("pebble root not PEM: %q", blk)
	}
	browser := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: testDomain}}}
	defer browser.CloseIdleConnections()
	resp, err = browser.Get(fmt.Sprintf("https://127.0.0.1:%d/", ourPort))
	if err != nil {
		t.Fatalf("GET with the ACME certificate: %v", err)
	}
	resp.Body.Close()
	leaf := resp.TLS.PeerCertificates[0]
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != testDomain {
		t.Errorf("certificate names %v, want [%s]", leaf.DNSNames, testDomain)
	}
	if files, _ := os.ReadDir(filepath.Join(dir, "acme")); len(files) < 2 {
		t.Errorf("ACME cache holds %d files; want the account key and the certificate, so a restart does not ask again", len(files))
	}
}

func waitUp(t *testing.T, c *http.Client, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not up: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
