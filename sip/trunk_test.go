package sip_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/sip"
)

// logBuffer is a log destination tests read while the bridge writes to it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// With a trunk's allow-list, a caller on it is answered as before and one
// elsewhere (sipp on 127.0.0.2) is refused 403, logged, with no call set up.
func TestSippTrunkAllowList(t *testing.T) {
	logs := &logBuffer{}
	e := newEnv(t, func(c *sip.Config) {
		c.Trunks = []sip.Trunk{{Name: "pbx", Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}}
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	_, number := e.meeting(t)
	if err := runSippFrom(t, t.Context(), e.bridge, "allowed.xml", number, 1, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := runSippFrom(t, t.Context(), e.bridge, "forbidden.xml", number, 1, "127.0.0.2"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, t.Context(), "the calls to end", func() bool { return e.bridge.Calls() == 0 })
	if l := logs.String(); !strings.Contains(l, "status=403") || !strings.Contains(l, "127.0.0.2 is on no trunk's allow-list") {
		t.Fatalf("no log line of the refusal:\n%s", l)
	}
}

// A trunk that requires authentication challenges an INVITE without
// credentials (401, digest), answers the retried one with the right
// credentials, and refuses (403) a wrong password and an unknown user.
func TestSippDigestAuthentication(t *testing.T) {
	e := newEnv(t, func(c *sip.Config) {
		c.Trunks = []sip.Trunk{{Name: "phones", User: "alice", Password: "s3cret", RequireAuth: true}}
	})
	_, number := e.meeting(t)
	ctx := t.Context()
	if err := runSippFrom(t, ctx, e.bridge, "auth_ok.xml", number, 1, "127.0.0.1", "-au", "alice", "-ap", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if err := runSippFrom(t, ctx, e.bridge, "auth_wrong.xml", number, 1, "127.0.0.1", "-au", "alice", "-ap", "guess"); err != nil {
		t.Fatal(err)
	}
	if err := runSippFrom(t, ctx, e.bridge, "auth_wrong.xml", number, 1, "127.0.0.1", "-au", "mallory", "-ap", "s3cret"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the calls to end", func() bool { return e.bridge.Calls() == 0 })
}

// Trunks that make no sense are refused when the bridge is made.
func TestTrunkConfigRefused(t *testing.T) {
	lan := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for name, tr := range map[string]sip.Trunk{
		"no name":                     {Allow: lan},
		"open to all":                 {Name: "x"},
		"auth without password":       {Name: "x", User: "u", RequireAuth: true},
		"credentials never asked for": {Name: "x", Allow: lan, User: "u", Password: "p"},
		"invalid network":             {Name: "x", Allow: []netip.Prefix{{}}},
	} {
		_, err := sip.New(sip.Config{Listen: "127.0.0.1:0", URL: "http://127.0.0.1:1", APIKey: "k", APISecret: "s", Trunks: []sip.Trunk{tr}})
		if err == nil || !strings.Contains(err.Error(), "trunk") {
			t.Errorf("%s: %v, want a trunk configuration error", name, err)
		}
	}
}

// A real phone (baresip with auth_user and auth_pass) answers the bridge's
// digest challenge and its call is answered; with a wrong password it is
// refused 403 and no call is left.
func TestBaresipAuthenticatesWithDigest(t *testing.T) {
	e := newEnv(t, func(c *sip.Config) {
		c.Trunks = []sip.Trunk{{Name: "phones", User: "alice", Password: "s3cret", RequireAuth: true}}
	})
	_, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	wav := sineWAV(t, 1000, 8000)
	target := fmt.Sprintf("sip:%s@127.0.0.1:%d", number, e.bridge.Addr().Port())
	ua := startBaresipAccount(t, wav, "PCMU/8000/1", "Desk", target, ";auth_user=alice;auth_pass=s3cret")
	waitFor(t, ctx, "the authenticated call to be answered", func() bool { return e.bridge.Answered() == 1 })
	ua.stop(ctx)
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })

	wrong := startBaresipAccount(t, wav, "PCMU/8000/1", "Desk", target, ";auth_user=alice;auth_pass=guess")
	waitFor(t, ctx, "baresip to be refused 403", func() bool { return strings.Contains(wrong.out.String(), "403 Forbidden") })
	if n := e.bridge.Calls(); n != 0 {
		t.Fatalf("%d calls after a refused one", n)
	}
}
