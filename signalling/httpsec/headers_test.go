package httpsec_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/httpsec"
)

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })

func TestSecurityHeaders(t *testing.T) {
	h := httpsec.Headers(okHandler, httpsec.HeaderOptions{HSTS: true, FramablePaths: []string{"/addins/"}})
	for _, tc := range []struct {
		path     string
		framable bool
	}{{"/", false}, {"/my-room", false}, {"/api/v1/rooms", false}, {"/addins/outlook/taskpane.html", true}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		got := rec.Header()
		if got.Get("Strict-Transport-Security") != httpsec.HSTSMaxAge || got.Get("X-Content-Type-Options") != "nosniff" ||
			got.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", tc.path, got)
		}
		if denied := got.Get("X-Frame-Options") == "DENY" && got.Get("Content-Security-Policy") == "frame-ancestors 'none'"; denied == tc.framable {
			t.Errorf("%s: framable %v but headers %v", tc.path, tc.framable, got)
		}
	}
	rec := httptest.NewRecorder()
	httpsec.Headers(okHandler, httpsec.HeaderOptions{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain HTTP: a browser would refuse the server until it has TLS")
	}
}

func TestCORS(t *testing.T) {
	h := httpsec.CORS(okHandler, httpsec.CORSOptions{Origins: []string{"https://portal.example.gouv.fr/"}, Paths: []string{"/api/"}})
	do := func(method, path, origin string, preflight bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if preflight {
			r.Header.Set("Access-Control-Request-Method", "POST")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	rec := do(http.MethodOptions, "/api/v1/rooms", "https://portal.example.gouv.fr", true)
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "https://portal.example.gouv.fr" ||
		rec.Header().Get("Access-Control-Allow-Headers") == "" {
		t.Errorf("allowed preflight: %d %v", rec.Code, rec.Header())
	}
	rec = do(http.MethodGet, "/api/v1/rooms", "https://PORTAL.example.gouv.fr", false)
	if rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") == "" || rec.Header().Get("Access-Control-Expose-Headers") == "" {
		t.Errorf("allowed request: %d %v", rec.Code, rec.Header())
	}
	rec = do(http.MethodOptions, "/api/v1/rooms", "https://evil.example", true)
	if rec.Code != http.StatusForbidden || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin's preflight: %d %v", rec.Code, rec.Header())
	}
	rec = do(http.MethodGet, "/api/v1/rooms", "https://evil.example", false)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin got CORS headers: %v", rec.Header())
	}
	rec = do(http.MethodOptions, "/room", "https://portal.example.gouv.fr", true)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS outside its paths: %v", rec.Header())
	}
}
