package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiclient"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
)

// POST /api/v1/rooms/{room}/sip-participants calls a baresip that answers by
// itself: the call's state goes to answered and it is in the room as a sip
// participant; `ensemble room sip-hangup` (DELETE) hangs it up.
func TestServeDialsOutThroughTheAPI(t *testing.T) {
	needSIPCodecs(t)
	uaPort := startAnsweringBaresip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	baseURL, stop := startServe(t, freePort(t), "--dev", "--data-dir", t.TempDir(),
		"--sip-domain", "sip.test", "--sip-listen", "127.0.0.1:"+strconv.Itoa(freeSIPPort(t)))
	defer stop()
	admin := adminClient(t, baseURL)
	if _, err := admin.CreateRoom(ctx, apiwire.CreateRoomRequest{Name: "board"}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.DialSIP(ctx, "board", apiwire.DialSIPRequest{URI: "tel:+33"}); err == nil {
		t.Fatal("a tel: URI was accepted")
	}
	call, err := admin.DialSIP(ctx, "board", apiwire.DialSIPRequest{URI: fmt.Sprintf("sip:phone@127.0.0.1:%d", uaPort), Name: "Desk phone"})
	if err != nil || call.State != "dialing" {
		t.Fatalf("dial: %+v, %v", call, err)
	}
	waitCallState(t, ctx, admin, call, "answered", "dialing", "ringing")
	parts, err := admin.ListParticipants(ctx, "board")
	if err != nil || len(parts) != 1 || parts[0].Kind != "sip" || parts[0].Name != "Desk phone" {
		t.Fatalf("participants %+v, %v", parts, err)
	}
	if err := runRoom(ctx, []string{"sip-hangup", "--dev", "--url", baseURL, "board", call.ID}); err != nil {
		t.Fatalf("ensemble room sip-hangup: %v", err)
	}
	waitCallState(t, ctx, admin, call, "ended", "answered")
}

// startAnsweringBaresip runs a baresip that answers calls by itself (sending
// a 440 Hz tone) until the test ends, and returns its SIP port (UDP).
func startAnsweringBaresip(t *testing.T) int {
	t.Helper()
	bin, err := exec.LookPath("baresip")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("baresip is not installed (scripts/test installs it)")
		}
		t.Skip("baresip is not installed; scripts/test installs it")
	}
	uaPort := freeSIPPort(t)
	dir := t.TempDir()
	config := fmt.Sprintf("sip_listen 127.0.0.1:%d\naudio_player alsa,null\naudio_source ausine,440\naudio_alert alsa,null\n"+
		"module_path /usr/lib/baresip/modules\nmodule g711.so\nmodule opus.so\nmodule ausine.so\nmodule alsa.so\nmodule account.so\n", uaPort)
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "accounts"), []byte("<sip:phone@127.0.0.1>;regint=0;answermode=auto\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ua := exec.Command(bin, "-f", dir)
	out := &lockedBuffer{}
	ua.Stdout, ua.Stderr = out, out
	if err := ua.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = ua.Process.Kill()
		_ = ua.Wait()
		if t.Failed() {
			t.Logf("baresip:\n%s", out.String())
		}
	})
	return uaPort
}

// waitCallState polls the API until the placed call is in state want; any
// state but want and passing fails.
func waitCallState(t *testing.T, ctx context.Context, admin *apiclient.Client, call apiwire.SIPParticipant, want string, passing ...string) {
	t.Helper()
	for {
		now, err := admin.SIPParticipant(ctx, call.Room, call.ID)
		switch {
		case err != nil:
			t.Fatal(err)
		case now.State == want:
			return
		case !slices.Contains(passing, now.State):
			t.Fatalf("call state %+v, waiting for %s", now, want)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("never %s: %+v", want, now)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
