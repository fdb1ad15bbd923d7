package httpsec

import (
	"net/http"
	"strings"
)

// HSTSMaxAge is one year, the value browsers' preload lists ask for.
const HSTSMaxAge = "max-age=31536000"

// HeaderOptions says which security headers Headers adds.
type HeaderOptions struct {
	// HSTS sends Strict-Transport-Security: set it when clients reach the server over
	// HTTPS (its own TLS, or a TLS-terminating proxy in front).
	HSTS bool
	// FramablePaths are path prefixes whose pages other sites may frame (the Outlook
	// add-in's task pane lives in Outlook's frame); every other page refuses framing,
	// so a meeting cannot be clickjacked inside another site.
	FramablePaths []string
}

// Headers adds the security headers to every response of next.
func Headers(next http.Handler, o HeaderOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		// Join links carry room names and sometimes tokens: never hand them to the
		// sites a page links to.
		h.Set("Referrer-Policy", "no-referrer")
		if o.HSTS {
			h.Set("Strict-Transport-Security", HSTSMaxAge)
		}
		if !framable(r.URL.Path, o.FramablePaths) {
			h.Set("X-Frame-Options", "DENY")
			h.Set("Content-Security-Policy", "frame-ancestors 'none'")
		}
		next.ServeHTTP(w, r)
	})
}

func framable(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
