package httpsec

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// ErrTLSConfig: the TLS settings cannot work (a missing or unreadable certificate,
// both files and ACME, ACME without domains).
var ErrTLSConfig = errors.New("httpsec: invalid TLS configuration")

// TLSOptions are the certificate sources, at most one of them.
type TLSOptions struct {
	// CertFile and KeyFile are a PEM certificate chain and its key. They are read
	// again when they change on disk (certbot renewals), checked at most every
	// ReloadCheck.
	CertFile, KeyFile string
	ReloadCheck       time.Duration // 0 = 10 s

	// ACMEDomains turn on automatic certificates for these names (TLS-ALPN-01 on
	// the TLS listener, which must then be reached on port 443; or HTTP-01 through
	// the handler of TLS.HTTPChallengeHandler, served on port 80).
	ACMEDomains   []string
	ACMEEmail     string
	ACMEDirectory string // "" = Let's Encrypt
	ACMECacheDir  string // where accounts and certificates are kept
	// ACMEHTTPClient talks to the ACME server (a private CA's roots); nil = default.
	ACMEHTTPClient *http.Client

	Logger *slog.Logger
}

// Enabled reports whether o asks for TLS at all.
func (o TLSOptions) Enabled() bool {
	return o.CertFile != "" || o.KeyFile != "" || len(o.ACMEDomains) > 0
}

// TLS is a server TLS configuration and, with ACME, the HTTP-01 challenge handler.
type TLS struct {
	Config  *tls.Config
	manager *autocert.Manager
}

// HTTPChallengeHandler answers ACME HTTP-01 challenges and redirects everything else
// to HTTPS; nil without ACME.
func (t *TLS) HTTPChallengeHandler() http.Handler {
	if t.manager == nil {
		return nil
	}
	return t.manager.HTTPHandler(nil)
}

// NewTLS checks o and builds the configuration. Certificate files are loaded now, so a
// wrong path or a key that does not match fails at start-up, not at the first client.
func NewTLS(o TLSOptions) (*TLS, error) {
	files := o.CertFile != "" || o.KeyFile != ""
	switch {
	case files && len(o.ACMEDomains) > 0:
		return nil, fmt.Errorf("%w: certificate files and ACME are exclusive; choose one", ErrTLSConfig)
	case files && (o.CertFile == "" || o.KeyFile == ""):
		return nil, fmt.Errorf("%w: cert_file and key_file go together", ErrTLSConfig)
	case files:
		fc := &fileCert{certFile: o.CertFile, keyFile: o.KeyFile, every: o.ReloadCheck, log: o.Logger}
		if fc.every <= 0 {
			fc.every = 10 * time.Second
		}
		if fc.log == nil {
			fc.log = slog.New(slog.DiscardHandler)
		}
		if err := fc.load(); err != nil {
			return nil, err
		}
		return &TLS{Config: &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: fc.get}}, nil
	case len(o.ACMEDomains) > 0:
		if o.ACMECacheDir == "" {
			return nil, fmt.Errorf("%w: ACME needs a cache directory for its account and certificates", ErrTLSConfig)
		}
		m := &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			HostPolicy: autocert.HostWhitelist(o.ACMEDomains...),
			Cache:      autocert.DirCache(o.ACMECacheDir),
			Email:      o.ACMEEmail,
		}
		if o.ACMEDirectory != "" || o.ACMEHTTPClient != nil {
			m.Client = &acme.Client{DirectoryURL: o.ACMEDirectory, HTTPClient: o.ACMEHTTPClient}
		}
		cfg := m.TLSConfig()
		cfg.MinVersion = tls.VersionTLS12
		return &TLS{Config: cfg, manager: m}, nil
	}
	return nil, fmt.Errorf("%w: no certificate source", ErrTLSConfig)
}

// fileCert serves a certificate read from files, reloaded when their modification
// time changes. A reload that fails keeps the previous certificate and logs why: a
// half-written renewal must not take the server down.
type fileCert struct {
	certFile, keyFile string
	every             time.Duration
	log               *slog.Logger

	mu          sync.Mutex
	cert        *tls.Certificate
	certMod     time.Time
	keyMod      time.Time
	lastChecked time.Time
}

func (f *fileCert) load() error {
	cs, err := os.Stat(f.certFile)
	if err != nil {
		return fmt.Errorf("%w: certificate: %w", ErrTLSConfig, err)
	}
	ks, err := os.Stat(f.keyFile)
	if err != nil {
		return fmt.Errorf("%w: key: %w", ErrTLSConfig, err)
	}
	c, err := tls.LoadX509KeyPair(f.certFile, f.keyFile)
	if err != nil {
		return fmt.Errorf("%w: %s and %s: %w", ErrTLSConfig, f.certFile, f.keyFile, err)
	}
	f.cert, f.certMod, f.keyMod = &c, cs.ModTime(), ks.ModTime()
	return nil
}

func (f *fileCert) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if now := time.Now(); now.Sub(f.lastChecked) >= f.every {
		f.lastChecked = now
		if f.changed() {
			if err := f.load(); err != nil {
				f.log.Warn("certificate files changed but cannot be loaded; keeping the previous certificate", "err", err)
			} else {
				f.log.Info("certificate reloaded", "cert_file", f.certFile)
			}
		}
	}
	return f.cert, nil
}

func (f *fileCert) changed() bool {
	cs, err1 := os.Stat(f.certFile)
	ks, err2 := os.Stat(f.keyFile)
	return err1 == nil && err2 == nil && (!cs.ModTime().Equal(f.certMod) || !ks.ModTime().Equal(f.keyMod))
}

// ServeChallenges serves h (HTTPChallengeHandler) on addr until ctx ends.
func ServeChallenges(ctx context.Context, addr string, h http.Handler) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("ACME HTTP-01 listener on %s: %w", addr, err)
	}
	return nil
}
