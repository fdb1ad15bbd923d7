package httpsec_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/ensemble-sfu/ensemble/signalling/httpsec"
)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func call(h http.Handler, method, path, remote string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	r.RemoteAddr = remote
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func checkRefused(t *testing.T, rec *httptest.ResponseRecorder, what string) {
	t.Helper()
	var body struct{ Code, Message string }
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || body.Code != httpsec.CodeRateLimited || body.Message == "" {
		t.Fatalf("%s: %d %v %q, want 429 rate_limited with Retry-After", what, rec.Code, rec.Header(), rec.Body.String())
	}
}

func TestJoinsAreLimitedPerAddress(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	h := httpsec.Limit(okHandler, httpsec.LimitOptions{JoinsPerIP: httpsec.Rate{PerSecond: 1, Burst: 3}, Now: clock.Now})
	for i := range 3 {
		if rec := call(h, "GET", "/rtc", "192.0.2.1:4000", nil); rec.Code != http.StatusOK {
			t.Fatalf("join %d within the burst: %d", i, rec.Code)
		}
	}
	checkRefused(t, call(h, "GET", "/rtc", "192.0.2.1:4001", nil), "fourth join")
	if rec := call(h, "GET", "/rtc", "192.0.2.2:4000", nil); rec.Code != http.StatusOK {
		t.Fatalf("another address is not limited by the first: %d", rec.Code)
	}
	if rec := call(h, "GET", "/", "192.0.2.1:4000", nil); rec.Code != http.StatusOK {
		t.Fatalf("the app page is not a join: %d", rec.Code)
	}
	clock.Advance(time.Second)
	if rec := call(h, "GET", "/rtc", "192.0.2.1:4000", nil); rec.Code != http.StatusOK {
		t.Fatalf("a token back after a second: %d", rec.Code)
	}
}

func TestGuestJoinsAndAPICallsAreLimited(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	h := httpsec.Limit(okHandler, httpsec.LimitOptions{
		GuestJoinsPerIP: httpsec.Rate{PerSecond: 0.1, Burst: 1},
		APIPerIP:        httpsec.Rate{PerSecond: 100, Burst: 100},
		APIPerKey:       httpsec.Rate{PerSecond: 1, Burst: 2},
		KeyOf:           func(r *http.Request) string { return r.Header.Get("X-Test-Key") },
		Now:             clock.Now,
	})
	if rec := call(h, "POST", "/api/rooms/r/join", "192.0.2.1:1", nil); rec.Code != http.StatusOK {
		t.Fatal(rec.Code)
	}
	checkRefused(t, call(h, "POST", "/api/rooms/r/join", "192.0.2.1:1", nil), "second guest join")

	key := map[string]string{"X-Test-Key": "integrator"}
	for i := range 2 {
		if rec := call(h, "GET", "/api/v1/rooms", "192.0.2.10:1", key); rec.Code != http.StatusOK {
			t.Fatalf("call %d: %d", i, rec.Code)
		}
	}
	// The key's budget is spent whatever address the calls come from.
	checkRefused(t, call(h, "GET", "/api/v1/rooms", "192.0.2.11:1", key), "third call with the key")
	if rec := call(h, "GET", "/api/v1/rooms", "192.0.2.11:1", map[string]string{"X-Test-Key": "other"}); rec.Code != http.StatusOK {
		t.Fatalf("another key: %d", rec.Code)
	}
}

func TestClientAddressBehindTrustedProxy(t *testing.T) {
	ip := httpsec.ClientIP{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	for _, tc := range []struct{ remote, xff, want string }{
		{"10.0.0.5:1", "198.51.100.7", "198.51.100.7"},
		{"10.0.0.5:1", "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"}, // the client wrote 6.6.6.6 itself
		{"203.0.113.9:1", "198.51.100.7", "203.0.113.9"},                  // not a proxy: header ignored
		{"10.0.0.5:1", "", "10.0.0.5"},
		{"10.0.0.5:1", "garbage", "10.0.0.5"},
		{"[0::]:1", "", "::"},                         // one address, one key: canonical (found by FuzzClientIP)
		{"[::ffff:203.0.113.9]:1", "", "203.0.113.9"}, // a mapped IPv4 is the IPv4
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := ip.Of(r); got != tc.want {
			t.Errorf("remote %s, X-Forwarded-For %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

// The cap on open WebSockets per address counts real upgraded connections, and
// gives a place back when one closes.
func TestWebSocketsPerAddressAreCapped(t *testing.T) {
	ws := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		go func() {
			defer c.CloseNow()
			for {
				if _, _, err := c.Read(context.Background()); err != nil {
					return
				}
			}
		}()
	})
	srv := httptest.NewServer(httpsec.Limit(ws, httpsec.LimitOptions{WebSocketsPerIP: 2}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	url := "ws" + srv.URL[len("http"):] + "/rtc"
	a, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.CloseNow()
	b, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, resp, err := websocket.Dial(ctx, url, nil); err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third connection: %v (response %v), want 429", err, resp)
	}
	b.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, _, err := websocket.Dial(ctx, url, nil)
		if err == nil {
			c.CloseNow()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no place after a connection closed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
