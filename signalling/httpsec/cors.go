package httpsec

import (
	"net/http"
	"slices"
	"strings"
)

// CORSOptions lists the web origins (scheme://host[:port]) whose pages may call the
// API from a browser, such as an intranet portal or a calendar plugin; none by
// default, so only the server's own pages (same origin) can.
type CORSOptions struct {
	Origins []string
	// Paths are the path prefixes CORS applies to (the API, WHIP/WHEP); other paths
	// never answer cross-origin requests.
	Paths []string
}

const (
	corsMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
	corsHeaders = "Authorization, Content-Type, If-Match"
	corsExpose  = "Location, Link, ETag, Retry-After"
	corsMaxAge  = "600"
)

// CORS answers preflight requests and marks the responses of next for the listed
// origins. A preflight from another origin gets 403 with the reason, so that an
// integrator sees the configuration to change instead of a browser's generic error.
func CORS(next http.Handler, o CORSOptions) http.Handler {
	origins := make([]string, 0, len(o.Origins))
	for _, s := range o.Origins {
		origins = append(origins, strings.TrimRight(strings.ToLower(s), "/"))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !framable(r.URL.Path, o.Paths) {
			next.ServeHTTP(w, r)
			return
		}
		allowed := slices.Contains(origins, strings.ToLower(origin))
		w.Header().Add("Vary", "Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if !allowed {
			if preflight {
				http.Error(w, "origin "+origin+" is not in cors.allowed_origins", http.StatusForbidden)
				return
			}
			// A simple request still runs (the browser hides the answer from the page);
			// the API's bearer tokens are not sent by browsers on their own, so there is
			// no ambient authority to abuse.
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", corsExpose)
		if preflight {
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
