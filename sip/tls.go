package sip

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// validateTLS checks the TLS settings of cfg: a listener needs a certificate
// and its key, and they must load, so that a bad file stops the bridge at
// start-up rather than at the first call.
func (c *Config) validateTLS() error {
	if c.TLSListen == "" {
		if c.TLSCertFile != "" || c.TLSKeyFile != "" || c.TLSCAFile != "" {
			return fmt.Errorf("%w: TLS certificate, key or CA files without a TLS listen address", ErrConfig)
		}
		return nil
	}
	host, _, err := net.SplitHostPort(c.TLSListen)
	if err != nil {
		return fmt.Errorf("%w: TLS listen %q: %w", ErrConfig, c.TLSListen, err)
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return fmt.Errorf("%w: TLS listen host %q must be an IP address: %w", ErrConfig, host, err)
	}
	if c.TLSCertFile == "" || c.TLSKeyFile == "" {
		return fmt.Errorf("%w: TLS listen %s needs a certificate file and a key file", ErrConfig, c.TLSListen)
	}
	if _, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile); err != nil {
		return fmt.Errorf("%w: TLS certificate %s and key %s: %w", ErrConfig, c.TLSCertFile, c.TLSKeyFile, err)
	}
	if c.TLSCAFile != "" {
		if _, err := loadCAs(c.TLSCAFile); err != nil {
			return err
		}
	}
	return nil
}

// loadCAs reads PEM CA certificates.
func loadCAs(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w: TLS CA file: %w", ErrConfig, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%w: TLS CA file %s holds no PEM certificate", ErrConfig, file)
	}
	return pool, nil
}

// clientTLS is how the bridge checks the TLS peers it connects to: against
// Config.TLSCAFile when set, else the system's roots. TLS 1.2 at least, as
// RFC 8996 asks.
func (c *Config) clientTLS() (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLSCAFile != "" {
		pool, err := loadCAs(c.TLSCAFile)
		if err != nil {
			return nil, err
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// listenTLS opens the TLS listener of Config.TLSListen (nil without one).
func (b *Bridge) listenTLS() error {
	if b.cfg.TLSListen == "" {
		return nil
	}
	cert, err := tls.LoadX509KeyPair(b.cfg.TLSCertFile, b.cfg.TLSKeyFile)
	if err != nil {
		return fmt.Errorf("%w: TLS certificate: %w", ErrConfig, err)
	}
	l, err := tls.Listen("tcp", b.cfg.TLSListen, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return fmt.Errorf("sip: listen tls %s: %w", b.cfg.TLSListen, err)
	}
	b.tls = l
	return nil
}

// TLSAddr is the address SIP over TLS is served on (invalid without
// Config.TLSListen).
func (b *Bridge) TLSAddr() netip.AddrPort {
	if b.tls == nil {
		return netip.AddrPort{}
	}
	return b.tls.Addr().(*net.TCPAddr).AddrPort()
}

// overTLS reports whether a request came over a TLS connection (what the
// transport read it from, not what its Via claims).
func overTLS(req *sip.Request) bool {
	return strings.EqualFold(req.Transport(), "tls")
}

// contactFor is the Contact of a dialog whose INVITE came over the transport
// of req: for TLS the TLS port, with transport=tls, so that the far end's
// requests in the dialog (BYE, re-INVITE) come back encrypted.
func (b *Bridge) contactFor(req *sip.Request) sip.ContactHeader {
	if b.tls == nil || !overTLS(req) {
		return b.contact()
	}
	return b.tlsContact()
}

func (b *Bridge) tlsContact() sip.ContactHeader {
	params := sip.NewParams()
	params.Add("transport", "tls")
	return sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "ensemble", Host: b.public.Addr().String(),
		Port: int(b.TLSAddr().Port()), UriParams: params}}
}

// backOverTLS sends a request of a dialog that came over TLS (a BYE, an INFO)
// back over that connection: a phone behind NAT, or one without a certificate
// of its own, takes no new TLS connection from us.
func backOverTLS(req, invite *sip.Request) {
	if overTLS(invite) {
		req.SetDestination(invite.Source())
	}
}

// tlsLogAddr is TLSAddr for the log: "" without TLS.
func (b *Bridge) tlsLogAddr() string {
	if b.tls == nil {
		return ""
	}
	return b.TLSAddr().String()
}
