package web_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ensemble-sfu/ensemble/web"
)

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPageIsServedForHomeAndRoomPaths(t *testing.T) {
	h := web.Handler()
	for _, path := range []string{"/", "/abc-defg-hij", "/Room_1", "/abc-defg-hij?x=1"} {
		res := get(t, h, http.MethodGet, path, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache", path, cc)
		}
		b := body(t, res)
		if !strings.Contains(b, "/static/"+web.Version()+"/js/app.js") {
			t.Errorf("GET %s: page does not load the versioned app.js", path)
		}
		if strings.Contains(b, "{{VERSION}}") {
			t.Errorf("GET %s: version placeholder left in the page", path)
		}
	}
}

func TestEveryResponseCarriesAStrictCSP(t *testing.T) {
	h := web.Handler()
	for _, path := range []string{"/", "/abc-defg-hij", "/static/" + web.Version() + "/js/app.js", "/nope/nope"} {
		res := get(t, h, http.MethodGet, path, nil)
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe code: %q", path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
	}
}

func TestPageHasNoInlineScriptOrStyle(t *testing.T) {
	b := body(t, get(t, web.Handler(), http.MethodGet, "/", nil))
	for _, bad := range []string{"<script>", "<style", " style=", "onclick=", "onload=", "javascript:"} {
		if strings.Contains(b, bad) {
			t.Errorf("index.html contains %q, which the CSP refuses", bad)
		}
	}
}

func TestStaticFilesHaveTheirTypeAndCacheHeaders(t *testing.T) {
	h := web.Handler()
	v := web.Version()
	cases := []struct{ path, ctype string }{
		{"/static/" + v + "/js/app.js", "text/javascript; charset=utf-8"},
		{"/static/" + v + "/js/ui/tile.js", "text/javascript; charset=utf-8"},
		{"/static/" + v + "/css/app.css", "text/css; charset=utf-8"},
		{"/static/" + v + "/img/icon.svg", "image/svg+xml"},
	}
	for _, c := range cases {
		res := get(t, h, http.MethodGet, c.path, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", c.path, res.StatusCode)
		}
		if got := res.Header.Get("Content-Type"); got != c.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", c.path, got, c.ctype)
		}
		if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q", c.path, got)
		}
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Fatalf("GET %s: no ETag", c.path)
		}
		again := get(t, h, http.MethodGet, c.path, map[string]string{"If-None-Match": etag})
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match: status %d, want 304", c.path, again.StatusCode)
		}
	}
}

func TestAnOldVersionPrefixIsServedButRevalidated(t *testing.T) {
	res := get(t, web.Handler(), http.MethodGet, "/static/0123456789ab/js/app.js", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if got := res.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control %q, want no-cache", got)
	}
}

func TestPathTraversalAndUnknownPathsAreRefused(t *testing.T) {
	h := web.Handler()
	v := web.Version()
	for _, path := range []string{
		"/static/" + v + "/../handler.go",
		"/static/" + v + "/js/../../handler.go",
		"/static/" + v + "/%2e%2e/handler.go",
		"/static/" + v + "/..%2fhandler.go",
		"/static/" + v + "/js/..%5c..%5chandler.go",
		"/static/" + v + "//etc/passwd",
		"/static/" + v + "/.hidden.js",
		"/static/" + v + "/index.html",
		"/static/" + v + "/",
		"/static/" + v,
		"/static/",
		"/static/" + v + "/js/nope.js",
		"/../../etc/passwd",
		"/favicon.ico",
		"/a/b",
		"/-starts-with-dash",
		"/" + strings.Repeat("a", 200),
	} {
		res := get(t, h, http.MethodGet, path, nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, res.StatusCode)
		}
		if b := body(t, res); strings.Contains(b, "package web") {
			t.Errorf("GET %s leaked a source file", path)
		}
	}
}

func TestOnlyGetAndHeadAreAllowed(t *testing.T) {
	h := web.Handler()
	if res := get(t, h, http.MethodHead, "/abc-defg-hij", nil); res.StatusCode != http.StatusOK {
		t.Errorf("HEAD: status %d", res.StatusCode)
	}
	res := get(t, h, http.MethodPost, "/abc-defg-hij", nil)
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", res.StatusCode)
	}
	if res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: Allow %q", res.Header.Get("Allow"))
	}
}

func TestConnectSourcesAreCheckedAndAdded(t *testing.T) {
	h, err := web.NewHandler(web.Options{ConnectSources: []string{"wss://node2.example.org", "https://api.example.org:8443"}})
	if err != nil {
		t.Fatal(err)
	}
	csp := get(t, h, http.MethodGet, "/", nil).Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' wss://node2.example.org https://api.example.org:8443;") {
		t.Errorf("CSP %q lacks the extra connect sources", csp)
	}
	for _, bad := range []string{"wss://x.org; script-src *", "*", "ftp://x.org", "wss://x.org/path", "x.org", "'unsafe-inline'"} {
		if _, err := web.NewHandler(web.Options{ConnectSources: []string{bad}}); !errors.Is(err, web.ErrBadConnectSource) {
			t.Errorf("NewHandler(%q): err %v, want ErrBadConnectSource", bad, err)
		}
	}
}
