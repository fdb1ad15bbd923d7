package httpsec

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate is a token bucket: PerSecond tokens a second, up to Burst at once. The zero
// Rate is no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

func (r Rate) on() bool { return r.PerSecond > 0 }

// LimitOptions are the request limits of the public listener. Each applies per
// client address; API calls also per API key, so that one integrator's runaway
// script cannot use up the server for the others.
type LimitOptions struct {
	JoinsPerIP      Rate // WebSocket joins and resumes at /rtc
	GuestJoinsPerIP Rate // guest join requests (POST /api/rooms/{room}/join)
	APIPerIP        Rate // other calls under /api/, /whip/, /whep/
	APIPerKey       Rate
	// WebSocketsPerIP caps the WebSocket connections open at once from one address
	// (0 = no cap).
	WebSocketsPerIP int
	// KeyOf returns the API key of a request whose token verifies, "" otherwise (an
	// unverified key would let anyone spend someone else's budget).
	KeyOf    func(*http.Request) string
	ClientIP ClientIP
	Now      func() time.Time // tests; nil = time.Now
}

// CodeRateLimited is the error code of a refusal (429, with Retry-After).
const CodeRateLimited = "rate_limited"

// Limit applies o in front of next.
func Limit(next http.Handler, o LimitOptions) http.Handler {
	l := &limiter{next: next, o: o, open: map[string]int{}}
	mk := func(r Rate) *keyedLimiter {
		if !r.on() {
			return nil
		}
		return newKeyedLimiter(r.PerSecond, r.Burst, o.Now)
	}
	l.joins, l.guests, l.apiIP, l.apiKey = mk(o.JoinsPerIP), mk(o.GuestJoinsPerIP), mk(o.APIPerIP), mk(o.APIPerKey)
	return l
}

type limiter struct {
	next                         http.Handler
	o                            LimitOptions
	joins, guests, apiIP, apiKey *keyedLimiter

	mu   sync.Mutex
	open map[string]int // WebSocket connections per client address
}

func (l *limiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := l.o.ClientIP.Of(r)
	switch path := r.URL.Path; {
	case path == "/rtc":
		if !l.take(w, l.joins, ip, "joins from your address") {
			return
		}
		if l.o.WebSocketsPerIP > 0 && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			l.serveCounted(w, r, ip)
			return
		}
	case r.Method == http.MethodPost && strings.HasPrefix(path, "/api/rooms/") && strings.HasSuffix(path, "/join"):
		if !l.take(w, l.guests, ip, "guest joins from your address") {
			return
		}
	case strings.HasPrefix(path, "/api/"), strings.HasPrefix(path, "/whip/"), strings.HasPrefix(path, "/whep/"):
		if !l.take(w, l.apiIP, ip, "API calls from your address") {
			return
		}
		if l.apiKey != nil && l.o.KeyOf != nil {
			if key := l.o.KeyOf(r); key != "" && !l.take(w, l.apiKey, key, "API calls with API key "+key) {
				return
			}
		}
	}
	l.next.ServeHTTP(w, r)
}

// take spends a token of key in k (nil k: no limit), or answers 429.
func (l *limiter) take(w http.ResponseWriter, k *keyedLimiter, key, what string) bool {
	if k == nil {
		return true
	}
	ok, wait := k.allow(key)
	if ok {
		return true
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	refuse(w, http.StatusTooManyRequests, secs, fmt.Sprintf("too many %s; retry in %d s", what, secs))
	return false
}

// serveCounted serves a WebSocket upgrade within the per-address cap. The count is
// given back when the handler returns without taking the connection, or when the
// taken (hijacked) connection closes.
func (l *limiter) serveCounted(w http.ResponseWriter, r *http.Request, ip string) {
	l.mu.Lock()
	if l.open[ip] >= l.o.WebSocketsPerIP {
		l.mu.Unlock()
		refuse(w, http.StatusTooManyRequests, 5, fmt.Sprintf("too many connections from your address (%d at most)", l.o.WebSocketsPerIP))
		return
	}
	l.open[ip]++
	l.mu.Unlock()
	var once sync.Once
	done := func() {
		once.Do(func() {
			l.mu.Lock()
			if l.open[ip]--; l.open[ip] <= 0 {
				delete(l.open, ip)
			}
			l.mu.Unlock()
		})
	}
	hw := &hijackWatch{ResponseWriter: w, onClose: done}
	l.next.ServeHTTP(hw, r)
	if !hw.hijacked {
		done()
	}
}

func refuse(w http.ResponseWriter, status, retryAfter int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": CodeRateLimited, "message": msg})
}

// hijackWatch tells when the connection a WebSocket library takes over is closed.
type hijackWatch struct {
	http.ResponseWriter
	onClose  func()
	hijacked bool
}

func (h *hijackWatch) Unwrap() http.ResponseWriter { return h.ResponseWriter }

func (h *hijackWatch) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("httpsec: %T cannot be hijacked", h.ResponseWriter)
	}
	c, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.hijacked = true
	return &closeWatch{Conn: c, onClose: h.onClose}, rw, nil
}

type closeWatch struct {
	net.Conn
	onClose func()
}

func (c *closeWatch) Close() error {
	err := c.Conn.Close()
	c.onClose()
	return err
}
