package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/ensemble-sfu/ensemble/internal/siptest"
	"github.com/ensemble-sfu/ensemble/internal/testport"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	bridge "github.com/ensemble-sfu/ensemble/sip"
)

// With sip.listen set, `ensemble serve` runs the SIP bridge: a call to a
// meeting's number is answered (the bridge found the meeting through the
// server's API and joined its room), a call to another number is 404.
func TestServeRunsTheSIPBridge(t *testing.T) {
	needSIPCodecs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sipPort := freeSIPPort(t)
	baseURL, stop := startServe(t, freePort(t), "--dev", "--data-dir", t.TempDir(),
		"--sip-domain", "sip.test", "--sip-listen", "127.0.0.1:"+strconv.Itoa(sipPort))
	defer stop()
	m, _, err := adminClient(t, baseURL).CreateMeeting(ctx, apiwire.CreateMeetingRequest{
		Title: "Call in", Start: "2026-12-01T10:00:00Z", End: "2026-12-01T11:00:00Z"}, "")
	if err != nil {
		t.Fatal(err)
	}

	var refused *sipgo.ErrDialogResponse
	if _, err := callBridge(t, ctx, sipPort, "1234"); !errors.As(err, &refused) || refused.Res.StatusCode != 404 {
		t.Fatalf("call to an unknown number: %v, want 404", err)
	}
	sess, err := callBridge(t, ctx, sipPort, m.SIPID)
	if err != nil {
		t.Fatalf("call to the meeting: %v", err)
	}
	defer sess.Close()
	if err := sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	parts, err := adminClient(t, baseURL).ListParticipants(ctx, m.Room)
	if err != nil || len(parts) != 1 || parts[0].Kind != "sip" {
		t.Fatalf("participants %+v, %v", parts, err)
	}
	// The bridge counts the call as answered once it has seen the ACK, which
	// may be just after this side sent it: wait for the figures.
	wants := []string{`ensemble_sip_refused_total{status="404"} 1`, "ensemble_sip_calls_answered 1"}
	var metrics []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(baseURL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		missing := slices.DeleteFunc(slices.Clone(wants), func(w string) bool { return strings.Contains(string(metrics), w) })
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %q", missing)
		}
	}
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
}

// freeSIPPort is a loopback port for a SIP listener, free on UDP and TCP (the
// bridge binds both) and outside the ephemeral range (see internal/testport).
func freeSIPPort(t *testing.T) int { return testport.UDPAndTCP(t, 1) }

// needSIPCodecs skips (outside CI) or fails (CI) a test of the bridge in a binary
// built without its codecs (build tag sipcodecs; scripts/test sets it).
func needSIPCodecs(t *testing.T) {
	t.Helper()
	if bridge.CodecsBuilt() {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("built without the SIP codecs: run the tests with -tags sipcodecs")
	}
	t.Skip("built without the SIP codecs: run the tests with -tags sipcodecs")
}

// sip.trunks of the configuration file reach the bridge: with a trunk allowed
// from 192.0.2.0/24 only, a call from 127.0.0.1 is refused 403; with a trunk
// that requires credentials, it is challenged 401.
func TestServeSIPTrunksFromTheConfigFile(t *testing.T) {
	needSIPCodecs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, tc := range []struct {
		trunk  string
		status int
	}{
		{"{name: carrier, allow: [192.0.2.0/24]}", 403},
		{"{name: phones, user: alice, password: s3cret}", 401},
	} {
		file := t.TempDir() + "/ensemble.yaml"
		if err := writeFile(file, "sip:\n  trunks:\n    - "+tc.trunk+"\n"); err != nil {
			t.Fatal(err)
		}
		sipPort := freeSIPPort(t)
		_, stop := startServe(t, freePort(t), "--config", file, "--dev", "--data-dir", t.TempDir(),
			"--sip-domain", "sip.test", "--sip-listen", "127.0.0.1:"+strconv.Itoa(sipPort))
		if got := refusedWith(t, ctx, sipPort, "1234567890"); got != tc.status {
			t.Errorf("trunk %s: call refused %d, want %d", tc.trunk, got, tc.status)
		}
		stop()
	}
}

// callBridge calls number at the bridge on sipPort from 127.0.0.1 (PCMU)
// and returns the answered dialog, or the error the call ended with (a
// refusal is a *sipgo.ErrDialogResponse). The user agent lives until the
// test ends.
func callBridge(t *testing.T, ctx context.Context, sipPort int, number string) (*sipgo.DialogClientSession, error) {
	t.Helper()
	cl := siptest.Client(t)
	dialer := sipgo.DialogUA{Client: cl, ContactHDR: sip.ContactHeader{Address: sip.Uri{User: "test", Host: "127.0.0.1", Port: 5999}}}
	offer := []byte("v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5998 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
	sess, err := dialer.Invite(ctx, sip.Uri{User: number, Host: "127.0.0.1", Port: sipPort}, offer,
		sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		return nil, err
	}
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		sess.Close()
		return nil, err
	}
	return sess, nil
}

// refusedWith calls number at the bridge on sipPort and returns the status
// it was refused with (0: not refused).
func refusedWith(t *testing.T, ctx context.Context, sipPort int, number string) int {
	t.Helper()
	sess, err := callBridge(t, ctx, sipPort, number)
	if err == nil {
		sess.Close()
	}
	var refused *sipgo.ErrDialogResponse
	if errors.As(err, &refused) {
		return refused.Res.StatusCode
	}
	return 0
}
