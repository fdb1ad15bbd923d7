package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/api"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// sipChildEnv makes the test binary run `ensemble sip` with the arguments it
// holds (tab-separated) instead of the tests: a bridge in its own process.
const sipChildEnv = "ENSEMBLE_TEST_SIP_CHILD"

// runSIPChild is the child's main: bridge until SIGTERM.
func runSIPChild(args string) int { return runChild("sip", runSIP, args) }

// startSIPProcess runs `ensemble sip` in a child process and waits until its
// HTTP listener (httpURL) is ready; the test's end stops it (SIGTERM) and
// checks that it exited cleanly.
func startSIPProcess(t *testing.T, httpURL string, args ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), sipChildEnv+"="+strings.Join(args, "\t"))
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			if waitErr != nil {
				t.Errorf("ensemble sip exited with %v", waitErr)
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Error("ensemble sip did not stop within 15 s of SIGTERM")
		}
		if t.Failed() {
			t.Logf("ensemble sip:\n%s", out.String())
		}
	})
	waitReady(t, httpURL, exited)
}

// `ensemble sip` in its own process, configured by the sip: section of a
// YAML file: its trunks refuse an unauthenticated caller (401), its /readyz
// and /metrics tell its registration and its calls, and a server with sip.bridge_url places calls
// through it: a baresip that answers by itself joins the room, the call's
// progress reaches the room as at a bridge inside the server, and the API
// hangs it up. Requests to the bridge signed with another key are refused.
func TestSIPProcessServesTheServersDialOut(t *testing.T) {
	needSIPCodecs(t)
	uaPort := startAnsweringBaresip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	serverPort, bridgePort, sipPort := freePort(t), freePort(t), freeSIPPort(t)
	bridgeURL := "http://127.0.0.1:" + strconv.Itoa(bridgePort)
	file := filepath.Join(t.TempDir(), "ensemble.yaml")
	reg := startRegistrar(t)
	reg.accept.Store(true)
	if err := writeFile(file, fmt.Sprintf("sip:\n  domain: sip.test\n  listen: 127.0.0.1:%d\n  http: 127.0.0.1:%d\n"+
		"  registrar: sip:127.0.0.1:%d\n  register_user: bridge\n"+
		"  trunks:\n    - {name: phones, user: alice, password: s3cret}\n", sipPort, bridgePort, reg.port)); err != nil {
		t.Fatal(err)
	}
	baseURL, stop := startServe(t, serverPort, "--dev", "--data-dir", t.TempDir(), "--sip-domain", "sip.test",
		"--sip-bridge-url", bridgeURL)
	defer stop()
	startSIPProcess(t, bridgeURL, "--dev", "--url", baseURL, "--config", file)

	waitFor(t, 30*time.Second, "the bridge's /readyz to show it registered", func() bool {
		return strings.Contains(httpGet(t, bridgeURL+"/readyz"), `"registered":true`)
	})
	if metrics := httpGet(t, bridgeURL+"/metrics"); !strings.Contains(metrics, "ensemble_sip_registered 1") {
		t.Fatalf("the bridge's /metrics lacks its registration:\n%s", metrics)
	}
	if got := refusedWith(t, ctx, sipPort, "1234567890"); got != http.StatusUnauthorized {
		t.Fatalf("a caller without credentials was answered %d, want 401 (the file's trunk)", got)
	}

	admin := adminClient(t, baseURL)
	if _, err := admin.CreateRoom(ctx, apiwire.CreateRoomRequest{Name: "board"}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var announced []string
	alice, err := client.Join(ctx, baseURL, participantToken(t, "board", "alice"))
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close()
	go func() {
		for ev := range alice.Events() {
			if d, ok := ev.(client.DataReceived); ok && d.Topic == api.SIPCallTopic {
				var c apiwire.SIPParticipant
				if json.Unmarshal(d.Payload, &c) == nil {
					mu.Lock()
					announced = append(announced, c.State)
					mu.Unlock()
				}
			}
		}
	}()

	var problem *apiwire.Problem
	if _, err := admin.DialSIP(ctx, "board", apiwire.DialSIPRequest{URI: "sip:"}); !errors.As(err, &problem) || problem.Status != http.StatusUnprocessableEntity {
		t.Fatalf("dialing sip: (no host) through the bridge: %v, want 422", err)
	}
	call, err := admin.DialSIP(ctx, "board", apiwire.DialSIPRequest{URI: fmt.Sprintf("sip:phone@127.0.0.1:%d", uaPort), Name: "Desk phone"})
	if err != nil || call.State != "dialing" {
		t.Fatalf("dial: %+v, %v", call, err)
	}
	waitCallState(t, ctx, admin, call, "answered", "dialing", "ringing")
	parts, err := admin.ListParticipants(ctx, "board")
	if err != nil || !slices.ContainsFunc(parts, func(p protocol.ParticipantInfo) bool { return p.Kind == "sip" && p.Name == "Desk phone" }) {
		t.Fatalf("participants %+v, %v", parts, err)
	}
	waitFor(t, 30*time.Second, "the room to hear the call answered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(announced, "answered")
	})
	if ready := httpGet(t, bridgeURL+"/readyz"); !strings.Contains(ready, `"calls":1`) || !strings.Contains(ready, `"status":"ready"`) {
		t.Fatalf("bridge /readyz: %s", ready)
	}
	waitFor(t, 30*time.Second, "the bridge's /metrics to count the answered call", func() bool {
		return strings.Contains(httpGet(t, bridgeURL+"/metrics"), "ensemble_sip_calls_answered 1")
	})

	other, err := auth.Sign("other-key", strings.Repeat("x", 32), auth.TokenParams{Grants: auth.Grants{RoomAdmin: true}, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, bridgeURL+"/bridge/v1/rooms/board/calls/"+call.ID, nil)
	req.Header.Set("Authorization", "Bearer "+other)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("hang-up signed with another key: %v %v, want 401", res, err)
	} else {
		res.Body.Close()
	}

	if err := admin.HangUpSIP(ctx, "board", call.ID); err != nil {
		t.Fatal(err)
	}
	waitCallState(t, ctx, admin, call, "ended", "answered")
	waitFor(t, 30*time.Second, "the bridge to have no call", func() bool { return strings.Contains(httpGet(t, bridgeURL+"/readyz"), `"calls":0`) })
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
