package sip_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/sip"
	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
)

// pinMeetings gives the short number 12 to one room (the sipp scenarios type
// fixed keys; real meeting numbers are random) and knows no other.
type pinMeetings struct{ room string }

func (p pinMeetings) RoomOf(ctx context.Context, number string) (string, error) {
	if number == "12" {
		return p.room, nil
	}
	return "", fmt.Errorf("%w: %s", sip.ErrUnknownMeeting, number)
}

// A call to the gateway number is answered with the prompt; the caller types
// 1 2 # (as RFC 4733 events, or in SIP INFO) and is put in that meeting's room.
func TestGatewayRightNumberJoinsTheMeeting(t *testing.T) {
	for _, scenario := range []string{"gateway_right_number.xml", "gateway_info.xml"} {
		t.Run(scenario, func(t *testing.T) { testGatewayRightNumber(t, scenario) })
	}
}

func testGatewayRightNumber(t *testing.T, scenario string) {
	room := "gateway-room"
	e := newEnv(t, func(c *sip.Config) { c.GatewayNumber = "100"; c.Meetings = pinMeetings{room} })
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	alice := e.watchRoom(t, ctx, room, "alice")
	if err := runSipp(t, ctx, e.bridge, scenario, "100", 1); err != nil {
		t.Fatal(err)
	}
	if p := alice.joinedSIP(t, ctx, "the gateway caller"); p.Name != "Caller 1" {
		t.Fatalf("joined as %q", p.Name)
	}
}

// Three wrong numbers: the caller hears it each time, then goodbye, and the
// bridge hangs up (the scenario waits for its BYE).
func TestGatewayWrongNumbersHangUp(t *testing.T) {
	e := newEnv(t, func(c *sip.Config) { c.GatewayNumber = "100"; c.Meetings = pinMeetings{"gateway-room"} })
	if err := runSipp(t, t.Context(), e.bridge, "gateway_wrong_numbers.xml", "100", 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, t.Context(), "the call to end", func() bool { return e.bridge.Calls() == 0 })
}

// baresip calling the gateway number and typing nothing hears the prompts (its
// recording holds seconds of speech), then is hung up after the tries.
func TestGatewayPromptIsHeard(t *testing.T) {
	e := newEnv(t, func(c *sip.Config) {
		c.GatewayNumber = "100"
		c.Meetings = pinMeetings{"gateway-room"}
		c.DigitTimeout = time.Second
		c.PINTries = 1
	})
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	wav := filepath.Join(t.TempDir(), "silence.wav")
	if err := writeWAV(wav, 8000, make([]int16, 8000*30)); err != nil {
		t.Fatal(err)
	}
	ua := startBaresip(t, wav, "PCMU/8000/1", "Phone", fmt.Sprintf("sip:100@127.0.0.1:%d", e.bridge.Addr().Port()))
	waitFor(t, ctx, "the call to be answered", func() bool { return e.bridge.Answered() == 1 })
	waitFor(t, ctx, "the bridge to hang up", func() bool { return e.bridge.Calls() == 0 })
	ua.stop(ctx)
	pcm, rate := ua.heard(t)
	var speech int // 20 ms frames with sound
	for i := 0; i+rate/50 <= len(pcm); i += rate / 50 {
		if tone.RMS(pcm[i:i+rate/50]) > 300 {
			speech++
		}
	}
	if speech < 5*50 { // the prompts say more than 5 s
		t.Fatalf("baresip heard %d frames of sound in %d samples", speech, len(pcm))
	}
}
