package server

import (
	"log/slog"
	"net/http"
	"time"
)

// HTTPTimeouts bound how long a client may hold a connection without making
// progress. Zero fields take the defaults of DefaultHTTPTimeouts.
type HTTPTimeouts struct {
	// ReadHeader bounds the request line and headers.
	ReadHeader time.Duration
	// Read bounds the whole request, body included: a body sent one byte every few
	// seconds is cut off here instead of holding a connection forever.
	Read time.Duration
	// Write bounds writing a response.
	Write time.Duration
	// Idle closes keep-alive connections that send no new request.
	Idle time.Duration
}

// DefaultHTTPTimeouts suit the API (bodies of at most 64 KiB) and the web app's
// assets. WebSocket connections at /rtc are exempt once upgraded: net/http clears a
// connection's deadlines when it is hijacked (TestWebSocketOutlivesHTTPTimeouts
// holds it to that), and the WebSocket has its own liveness check (pings).
var DefaultHTTPTimeouts = HTTPTimeouts{
	ReadHeader: 10 * time.Second,
	Read:       30 * time.Second,
	Write:      60 * time.Second,
	Idle:       120 * time.Second,
}

// maxHeaderBytes bounds request headers (a token in the Authorization header is
// at most 32 KiB).
const maxHeaderBytes = 64 << 10

// NewHTTPServer returns the http.Server that serves h with the timeouts t (zero
// fields: defaults) and errors logged to log.
func NewHTTPServer(h http.Handler, t HTTPTimeouts, log *slog.Logger) *http.Server {
	d := DefaultHTTPTimeouts
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: pick(t.ReadHeader, d.ReadHeader),
		ReadTimeout:       pick(t.Read, d.Read),
		WriteTimeout:      pick(t.Write, d.Write),
		IdleTimeout:       pick(t.Idle, d.Idle),
		MaxHeaderBytes:    maxHeaderBytes,
	}
	if log != nil {
		srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	}
	return srv
}
