package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/ensemble-sfu/ensemble/internal/config"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/httpsec"
)

// publicEdge wraps the server's handler in what faces the network: request limits,
// CORS for the configured origins on the API and WHIP/WHEP, and the security headers.
func publicEdge(cfg *config.Config, h http.Handler, verifier *auth.Verifier) http.Handler {
	rate := func(r config.RateLimit) httpsec.Rate { return httpsec.Rate{PerSecond: r.PerSecond, Burst: r.Burst} }
	h = httpsec.Limit(h, httpsec.LimitOptions{
		JoinsPerIP: rate(cfg.Limits.JoinsPerIP), GuestJoinsPerIP: rate(cfg.Limits.GuestJoinsPerIP),
		APIPerIP: rate(cfg.Limits.APIPerIP), APIPerKey: rate(cfg.Limits.APIPerKey),
		WebSocketsPerIP: cfg.Limits.WebSocketsPerIP,
		KeyOf: func(r *http.Request) string {
			tok, ok := bearer(r)
			if !ok {
				return ""
			}
			claims, err := verifier.Verify(tok)
			if err != nil {
				return ""
			}
			return claims.APIKey()
		},
		ClientIP: httpsec.ClientIP{TrustedProxies: cfg.Limits.TrustedProxyNetworks()},
	})
	h = httpsec.CORS(h, httpsec.CORSOptions{Origins: cfg.CORS.AllowedOrigins, Paths: []string{"/api/", "/whip/", "/whep/"}})
	// HSTS only when browsers reach us over HTTPS: our own TLS, or a proxy in front
	// (public_url says https).
	https := cfg.TLS.Enabled() || strings.HasPrefix(cfg.PublicURL, "https://")
	h = httpsec.Headers(h, httpsec.HeaderOptions{HSTS: https, FramablePaths: []string{"/addins/"}})
	return h
}

// serverTLS is the HTTPS configuration when tls: is set (nil = plain HTTP). With ACME
// and an HTTP-01 address, the challenge listener runs until ctx ends.
func serverTLS(ctx context.Context, cfg *config.Config, log *slog.Logger) (*tls.Config, error) {
	if !cfg.TLS.Enabled() {
		return nil, nil
	}
	t, err := httpsec.NewTLS(httpsec.TLSOptions{
		CertFile: cfg.TLS.CertFile, KeyFile: cfg.TLS.KeyFile,
		ACMEDomains: cfg.TLS.ACME.Domains, ACMEEmail: cfg.TLS.ACME.Email,
		ACMEDirectory: cfg.TLS.ACME.Directory, ACMECacheDir: cfg.TLS.ACME.CacheDir, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	if addr := cfg.TLS.ACME.HTTPAddress; addr != "" && t.HTTPChallengeHandler() != nil {
		go func() {
			if err := httpsec.ServeChallenges(ctx, addr, t.HTTPChallengeHandler()); err != nil {
				log.Error("ACME HTTP-01 listener stopped", "err", err)
			}
		}()
	}
	return t.Config, nil
}

// bearer is the token of an Authorization: Bearer header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}
