package outlook

import (
	"bytes"
	"crypto/sha1"
	"embed"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"text/template"
)

//go:embed files
var files embed.FS

// Prefix is where the add-in is served.
const Prefix = "/addins/outlook/"

// DefaultOfficeJS is Microsoft's Office.js, which Office requires add-ins to load
// from its CDN.
const DefaultOfficeJS = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js"

// Version is the add-in's version in the manifest (Office re-reads a manifest whose
// version changed).
const Version = "1.0.0.0"

// frameAncestors are the Outlook hosts that frame the task pane (Outlook on the web,
// Microsoft 365, Outlook.com); desktop Outlook shows it in a webview of its own.
var frameAncestors = []string{"https://outlook.office.com", "https://outlook.office365.com",
	"https://outlook.live.com", "https://*.outlook.com", "https://*.office.com", "https://*.office365.com",
	"https://*.officeapps.live.com", "https://*.microsoft.com"}

// Options adjust the add-in.
type Options struct {
	// PublicURL is the server's public base URL (https in production: Office loads
	// add-ins over https only). Empty: taken from each request (development).
	PublicURL string
	// OfficeJSURL replaces Microsoft's Office.js (tests load a stand-in).
	OfficeJSURL string
}

type handler struct {
	opts  Options
	pages map[string]*template.Template // html and xml files, filled per request
	csp   string
}

// Handler serves the add-in under Prefix.
func Handler(o Options) (http.Handler, error) {
	if o.OfficeJSURL == "" {
		o.OfficeJSURL = DefaultOfficeJS
	}
	js, err := url.Parse(o.OfficeJSURL)
	if err != nil || js.Host == "" || (js.Scheme != "https" && js.Scheme != "http") {
		return nil, fmt.Errorf("outlook: office.js URL %q is not an absolute http(s) URL", o.OfficeJSURL)
	}
	h := &handler{opts: o, pages: map[string]*template.Template{}}
	for _, name := range []string{"manifest.xml", "taskpane.html", "dialog.html"} {
		b, err := files.ReadFile("files/" + name)
		if err != nil {
			return nil, fmt.Errorf("outlook: %w", err)
		}
		tpl, err := template.New(name).Option("missingkey=error").Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("outlook: %s: %w", name, err)
		}
		h.pages[name] = tpl
	}
	h.csp = strings.Join([]string{
		"default-src 'none'",
		"script-src 'self' " + js.Scheme + "://" + js.Host,
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src 'self'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'self' " + strings.Join(frameAncestors, " "),
	}, "; ")
	return h, nil
}

// base is the public URL of the server, without a trailing slash.
func (h *handler) base(r *http.Request) string {
	if h.opts.PublicURL != "" {
		return strings.TrimRight(h.opts.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ID is the add-in's id in the manifest: a GUID derived from the public URL, so that
// it is stable for a deployment and differs between deployments.
func ID(publicURL string) string {
	sum := sha1.Sum([]byte("ensemble outlook add-in\x00" + strings.TrimRight(publicURL, "/")))
	sum[6] = (sum[6] & 0x0f) | 0x50 // version 5 (name-based, SHA-1)
	sum[8] = (sum[8] & 0x3f) | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".xml":  "application/xml; charset=utf-8",
}

// icons are the sizes the manifest names.
var icons = map[string]int{"icon-16.png": 16, "icon-32.png": 32, "icon-64.png": 64, "icon-80.png": 80, "icon-128.png": 128}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", h.csp)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	if size, ok := icons[name]; ok {
		hdr.Set("Content-Type", "image/png")
		hdr.Set("Cache-Control", "public, max-age=86400")
		_ = png.Encode(w, icon(size))
		return
	}
	ext := name[strings.LastIndexByte(name, '.')+1:]
	ctype, known := contentTypes["."+ext]
	if !known {
		http.NotFound(w, r)
		return
	}
	var body []byte
	if tpl, ok := h.pages[name]; ok {
		base := h.base(r)
		var buf bytes.Buffer
		data := map[string]string{"Base": xmlEscape(base), "ID": ID(base), "Version": Version,
			"OfficeJS": xmlEscape(h.opts.OfficeJSURL)}
		if err := tpl.Execute(&buf, data); err != nil {
			http.Error(w, "template: "+err.Error(), http.StatusInternalServerError)
			return
		}
		body = buf.Bytes()
	} else {
		b, err := files.ReadFile("files/" + name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		body = b
	}
	hdr.Set("Content-Type", ctype)
	hdr.Set("Cache-Control", "no-cache")
	_, _ = w.Write(body)
}

// xmlEscape escapes a value for XML and HTML attributes and text alike.
func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// icon draws the add-in's icon: the app's blue square with a white disc.
func icon(size int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	blue, white := color.RGBA{0x1a, 0x73, 0xe8, 0xff}, color.RGBA{0xff, 0xff, 0xff, 0xff}
	c, r := float64(size)/2, float64(size)/4
	for y := range size {
		for x := range size {
			dx, dy := float64(x)+.5-c, float64(y)+.5-c
			if dx*dx+dy*dy <= r*r {
				img.Set(x, y, white)
			} else {
				img.Set(x, y, blue)
			}
		}
	}
	return img
}
