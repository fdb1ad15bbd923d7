// Package httpsec is what stands between the public network and Ensemble's HTTP
// handlers: TLS for the HTTP and WebSocket listener (certificate files reloaded when
// they change, or certificates obtained through ACME), the security headers every
// response carries (HSTS once the server is reached over HTTPS, no MIME sniffing, no
// framing outside the paths meant to be framed, no referrer), and CORS for the
// integrator origins an operator lists.
//
// Composition (cmd/ensemble/serve.go):
//
//	h := httpsec.Headers(srv.Handler(), httpsec.HeaderOptions{HSTS: https, FramablePaths: []string{"/addins/"}})
//	h = httpsec.CORS(h, httpsec.CORSOptions{Origins: cfg.CORS.AllowedOrigins, Paths: []string{"/api/"}})
//	tlsCfg, err := httpsec.NewTLS(ctx, httpsec.TLSOptions{CertFile: ..., KeyFile: ...})
package httpsec
