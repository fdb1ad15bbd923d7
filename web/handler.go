package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"
)

//go:embed app
var embedded embed.FS

// staticPrefix is where the assets live; the next path segment is the version.
const staticPrefix = "/static/"

// roomPath matches the paths of meetings: a room name such as abc-defg-hij. The
// signalling server decides which rooms exist; the page only refuses what can never
// be a room name, so that typos such as /favicon.ico get a 404 and not the app.
var roomPath = regexp.MustCompile(`^/[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`)

// contentTypes are the types of the files the app ships. A file with another
// extension is not served, so nothing is ever sniffed.
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".json":  "application/json",
	".woff2": "font/woff2",
	".txt":   "text/plain; charset=utf-8",
}

// Options adjust the handler.
type Options struct {
	// ConnectSources are origins, besides the page's own, that the page may reach by
	// fetch or WebSocket, such as the other nodes of a cluster ("wss://node2.example.org").
	ConnectSources []string
}

// Handler returns the handler that serves the meeting app with default options.
func Handler() http.Handler {
	h, err := NewHandler(Options{})
	if err != nil {
		panic(err) // cannot happen: the default options are valid
	}
	return h
}

// NewHandler returns the handler that serves the meeting app.
func NewHandler(opts Options) (http.Handler, error) {
	for _, src := range opts.ConnectSources {
		if err := checkOrigin(src); err != nil {
			return nil, err
		}
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	return &handler{assets: a, csp: contentSecurityPolicy(opts.ConnectSources)}, nil
}

// checkOrigin accepts scheme://host[:port] and nothing else.
func checkOrigin(src string) error {
	u, err := url.Parse(src)
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil ||
		strings.ContainsAny(src, " ;,'\"") {
		return fmt.Errorf("%w: %q", ErrBadConnectSource, src)
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
		return nil
	}
	return fmt.Errorf("%w: %q has scheme %q", ErrBadConnectSource, src, u.Scheme)
}

// contentSecurityPolicy allows only the app's own files: no inline script or style,
// no eval, no plugins, no framing; media comes from getUserMedia and WebRTC.
func contentSecurityPolicy(connect []string) string {
	connectSrc := "'self'"
	if len(connect) > 0 {
		connectSrc += " " + strings.Join(connect, " ")
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data: blob:",
		"media-src 'self' blob: mediastream:",
		"font-src 'self'",
		"connect-src " + connectSrc,
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
		"object-src 'none'",
	}, "; ")
}

// assets are the embedded files, read once.
type assets struct {
	version string            // hash of every file, names the /static/<version>/ prefix
	files   map[string][]byte // by path relative to app/, e.g. "js/app.js"
	etags   map[string]string
	index   []byte // index.html with the version filled in
}

var loadAssets = sync.OnceValues(func() (*assets, error) {
	a := &assets{files: map[string][]byte{}, etags: map[string]string{}}
	all := sha256.New()
	err := fs.WalkDir(embedded, "app", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "app/")
		sum := sha256.Sum256(b)
		a.files[name] = b
		a.etags[name] = `"` + hex.EncodeToString(sum[:8]) + `"`
		fmt.Fprintf(all, "%s\x00%x\x00", name, sum)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: reading embedded app: %w", err)
	}
	a.version = hex.EncodeToString(all.Sum(nil)[:6])
	page, ok := a.files["index.html"]
	if !ok {
		return nil, fmt.Errorf("web: embedded app has no index.html")
	}
	a.index = bytes.ReplaceAll(page, []byte("{{VERSION}}"), []byte(a.version))
	return a, nil
})

type handler struct {
	assets *assets
	csp    string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", h.csp)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
	hdr.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), fullscreen=(self)")

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, staticPrefix):
		h.serveStatic(w, r, strings.TrimPrefix(p, staticPrefix))
	case p == "/" || roomPath.MatchString(p):
		h.servePage(w, r)
	default:
		http.NotFound(w, r)
	}
}

// servePage serves the app's HTML. It is never cached, so that a new build's
// asset prefix is seen at once.
func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", contentTypes[".html"])
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.assets.index))
}

// serveStatic serves rest = "<version>/<file>". A file under the current version
// never changes, so it is cached for a year; one asked under another version (a
// page loaded before an upgrade) is served too, but must be revalidated.
func (h *handler) serveStatic(w http.ResponseWriter, r *http.Request, rest string) {
	version, name, ok := strings.Cut(rest, "/")
	if !ok || version == "" || !safeName(name) {
		http.NotFound(w, r)
		return
	}
	body, found := h.assets.files[name]
	ctype, known := contentTypes[path.Ext(name)]
	if !found || !known || name == "index.html" {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", ctype)
	hdr.Set("ETag", h.assets.etags[name])
	if version == h.assets.version {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// safeName refuses anything that is not a plain relative path inside the app:
// "..", ".", empty segments, backslashes, hidden files.
func safeName(name string) bool {
	if !fs.ValidPath(name) || name == "." || strings.Contains(name, `\`) {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if strings.HasPrefix(seg, ".") {
			return false
		}
	}
	return true
}

// Version returns the asset version of the embedded app (the /static/<version>/
// prefix), for logs and tests.
func Version() string {
	a, err := loadAssets()
	if err != nil {
		return ""
	}
	return a.version
}
