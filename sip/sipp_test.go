package sip_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/ensemble-sfu/ensemble/internal/testport"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/sip"
)

// sipp runs a committed sipp scenario (testdata/sipp) against the bridge as the
// caller: calls of them at once, calling number. It returns sipp's error, with
// its output and its error log, when any call did not go as the scenario says.
func runSipp(t *testing.T, ctx context.Context, b *sip.Bridge, scenario, number string, calls int) error {
	t.Helper()
	return runSippFrom(t, ctx, b, scenario, number, calls, "127.0.0.1")
}

// runSippFrom is runSipp with sipp on the local address local, and extra
// arguments (credentials: -au user -ap password).
func runSippFrom(t *testing.T, ctx context.Context, b *sip.Bridge, scenario, number string, calls int, local string, extra ...string) error {
	t.Helper()
	bin := needTool(t, "sipp")
	dir := t.TempDir()
	sipPort, mediaPort := sippPorts(t)
	args := []string{
		fmt.Sprintf("127.0.0.1:%d", b.Addr().Port()),
		"-sf", filepath.Join("testdata", "sipp", scenario),
		"-s", number,
		"-i", local,
		"-p", strconv.Itoa(sipPort),
		"-mp", strconv.Itoa(mediaPort),
		"-m", strconv.Itoa(calls), "-l", strconv.Itoa(calls), "-r", strconv.Itoa(max(calls/2, 1)),
		"-nostdin", "-timeout", "90s", "-timeout_error",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
	}
	args = append(args, extra...)
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		errs, _ := exec.Command("cat", filepath.Join(dir, "errors.log")).Output()
		return fmt.Errorf("sipp %s: %w\n%s\nerrors:\n%s", scenario, err, tail(out, 3000), tail(errs, 6000))
	}
	return nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// blockedMeetings holds every look-up until its caller gives up: a call set-up
// that only a CANCEL can end.
type blockedMeetings struct{}

func (blockedMeetings) RoomOf(ctx context.Context, number string) (string, error) {
	<-ctx.Done()
	return "", ctx.Err()
}

// Bad input gets its own answer, and the bridge goes on answering: garbage is
// dropped, a broken offer and an INVITE without Contact are 400, a BYE in no
// dialog 481, an unknown meeting 404, codecs it cannot do 488.
func TestSippBadInput(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	for _, tc := range []struct{ scenario, number string }{
		{"malformed.xml", "1234"},
		{"unknown_meeting.xml", "1234567890"},
		{"unknown_meeting.xml", "not-a-number"},
		{"no_common_codec.xml", "1234567890"},
	} {
		if err := runSipp(t, ctx, e.bridge, tc.scenario, tc.number, 1); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.bridge.Calls(); n != 0 {
		t.Fatalf("%d calls left after refused ones", n)
	}
}

// CANCEL while the bridge is still setting the call up ends the set-up: 200 to
// the CANCEL, 487 to the INVITE, and no call left behind.
func TestSippCancelBeforeAnswer(t *testing.T) {
	e := newEnv(t, func(c *sip.Config) { c.Meetings = blockedMeetings{} })
	if err := runSipp(t, t.Context(), e.bridge, "cancel.xml", "1234567890", 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, t.Context(), "the cancelled call to go", func() bool { return e.bridge.Calls() == 0 })
}

// A call answered and hung up by the caller: 200 to its BYE, the call is gone.
func TestSippCallerHangsUp(t *testing.T) {
	e := newEnv(t, nil)
	_, number := e.meeting(t)
	if err := runSipp(t, t.Context(), e.bridge, "answered_caller_hangs_up.xml", number, 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, t.Context(), "the call to end", func() bool { return e.bridge.Calls() == 0 })
}

// Many calls at once into one meeting: every one is answered and in the room,
// and the bridge, closing, hangs each up with BYE. Past the call limit, 503.
func TestSippConcurrentCallsAndTheLimit(t *testing.T) {
	const calls = 50
	e := newEnv(t, func(c *sip.Config) { c.MaxCalls = calls })
	room, number := e.meeting(t)
	ctx := t.Context()
	done := make(chan error, 1)
	go func() { done <- runSipp(t, ctx, e.bridge, "answered_bridge_hangs_up.xml", number, calls) }()
	waitFor(t, ctx, fmt.Sprintf("%d answered calls", calls), func() bool {
		select {
		case err := <-done: // sipp gave up: say why instead of waiting forever
			t.Fatalf("sipp ended with %d calls answered: %v", e.bridge.Answered(), err)
		default:
		}
		return e.bridge.Answered() == calls
	})
	parts, err := e.api.ListParticipants(ctx, room)
	if err != nil || len(parts) != calls {
		t.Fatalf("%d participants in the room, want %d (%v)", len(parts), calls, err)
	}
	if err := runSipp(t, ctx, e.bridge, "busy.xml", number, 3); err != nil {
		t.Fatal(err)
	}
	e.bridge.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// Hold and resume by re-INVITE: the bridge answers sendonly with recvonly, then
// sendrecv with sendrecv, in the same call (the scenario checks the answers).
func TestSippHoldAndResume(t *testing.T) {
	e := newEnv(t, nil)
	_, number := e.meeting(t)
	if err := runSipp(t, t.Context(), e.bridge, "hold_resume.xml", number, 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, t.Context(), "the call to end", func() bool { return e.bridge.Calls() == 0 })
}

// The caller's key presses (RFC 4733, played by sipp from its own captures)
// reach the room as data messages with topic "dtmf", in order.
func TestSippDTMFReachesTheRoom(t *testing.T) {
	e := newEnv(t, nil)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	alice, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close()
	digits := make(chan string, 10)
	go func() {
		for ev := range alice.Events() {
			if d, ok := ev.(client.DataReceived); ok && d.Topic == "dtmf" {
				var m struct{ Digit string }
				if json.Unmarshal(d.Payload, &m) == nil {
					digits <- m.Digit
				}
			}
		}
	}()
	if err := runSipp(t, ctx, e.bridge, "dtmf.xml", number, 1); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 2 {
		select {
		case d := <-digits:
			got = append(got, d)
		case <-ctx.Done():
			t.Fatalf("the room got keys %q, want 1 and #", got)
		}
	}
	if got[0] != "1" || got[1] != "#" {
		t.Fatalf("the room got keys %q, want 1 then #", got)
	}
}

// A call whose far end sends no RTP is hung up (BYE) once the media timeout
// passes; sipp's scenario waits for that BYE.
func TestSippMediaTimeoutHangsUp(t *testing.T) {
	e := newEnv(t, func(c *sip.Config) { c.MediaTimeout = time.Second })
	_, number := e.meeting(t)
	if err := runSipp(t, t.Context(), e.bridge, "answered_bridge_hangs_up.xml", number, 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, t.Context(), "the call to end", func() bool { return e.bridge.Calls() == 0 })
}

// Session timers (RFC 4028): the bridge grants the caller's interval with
// refresher=uac, takes a refresh by UPDATE, and hangs up once refreshes stop;
// an interval under Min-SE is answered 422.
func TestSippSessionTimer(t *testing.T) {
	e := newEnv(t, func(c *sip.Config) { c.MinSessionExpires = 2 * time.Second })
	_, number := e.meeting(t)
	for _, scenario := range []string{"session_too_small.xml", "session_timer.xml"} {
		if err := runSipp(t, t.Context(), e.bridge, scenario, number, 1); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, t.Context(), "the call to end", func() bool { return e.bridge.Calls() == 0 })
}

// sippPorts picks sipp's SIP port and its media port (-mp) together, among
// consecutive ports free at once: sipp binds the media port and the two after
// it (RTCP, and the video echo two above), and two separate picks could give
// one of those to the SIP port (a bind that failed with "address already in
// use" once in a CI run).
func sippPorts(t *testing.T) (sipPort, mediaPort int) {
	t.Helper()
	first := testport.UDPAndTCP(t, 4)
	return first, first + 1
}
