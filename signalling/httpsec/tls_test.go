package httpsec_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/testcert"

	"github.com/ensemble-sfu/ensemble/signalling/httpsec"
)

// writeCert writes a self-signed certificate for 127.0.0.1 with the given serial
// and returns its pool.
func writeCert(t *testing.T, certFile, keyFile string, serial int64) *x509.CertPool {
	t.Helper()
	c := testcert.New(t, serial)
	c.WriteFiles(t, certFile, keyFile)
	return c.Pool
}

func serverSerial(t *testing.T, url string, pool *x509.CertPool) int64 {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET over TLS: %v", err)
	}
	resp.Body.Close()
	return resp.TLS.PeerCertificates[0].SerialNumber.Int64()
}

// Certificate files are served, and a renewal written over them is picked up
// without a restart; a broken renewal keeps the previous certificate.
func TestCertificateFilesAreServedAndReloaded(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	pool1 := writeCert(t, certFile, keyFile, 1)
	cfg, err := httpsec.NewTLS(httpsec.TLSOptions{CertFile: certFile, KeyFile: keyFile, ReloadCheck: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	// Not httptest's StartTLS: it adds its own certificate, which Go prefers to
	// GetCertificate for clients that send no server name (an IP address).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), TLSConfig: cfg.Config}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	defer srv.Close()
	url := "https://" + ln.Addr().String()
	if s := serverSerial(t, url, pool1); s != 1 {
		t.Fatalf("serial %d, want 1", s)
	}

	pool2 := writeCert(t, certFile, keyFile, 2)
	// Make sure the modification times differ even on a coarse file system clock.
	later := time.Now().Add(time.Minute)
	_ = os.Chtimes(certFile, later, later)
	if s := serverSerial(t, url, pool2); s != 2 {
		t.Fatalf("after renewal serial %d, want 2", s)
	}

	if err := os.WriteFile(keyFile, []byte("half-written"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(keyFile, later.Add(time.Minute), later.Add(time.Minute))
	if s := serverSerial(t, url, pool2); s != 2 {
		t.Fatalf("after a broken renewal serial %d, want the previous 2", s)
	}
}

func TestTLSConfigurationErrors(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeCert(t, certFile, keyFile, 1)
	otherCert, otherKey := filepath.Join(dir, "c2.pem"), filepath.Join(dir, "k2.pem")
	writeCert(t, otherCert, otherKey, 2)
	for name, o := range map[string]httpsec.TLSOptions{
		"missing file":      {CertFile: filepath.Join(dir, "nope.pem"), KeyFile: keyFile},
		"key of other cert": {CertFile: certFile, KeyFile: otherKey},
		"cert without key":  {CertFile: certFile},
		"files and ACME":    {CertFile: certFile, KeyFile: keyFile, ACMEDomains: []string{"meet.example.com"}},
		"ACME without dir":  {ACMEDomains: []string{"meet.example.com"}},
	} {
		if _, err := httpsec.NewTLS(o); !errors.Is(err, httpsec.ErrTLSConfig) {
			t.Errorf("%s: %v, want ErrTLSConfig", name, err)
		}
	}
}
