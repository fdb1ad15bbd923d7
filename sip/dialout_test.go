package sip_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/sip"
	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
)

// The bridge calls a baresip that answers by itself: the call is answered,
// baresip's 1 kHz tone reaches a Go client in the room, and hanging up ends it.
// A call to a UA that is not there fails, and a malformed URI is refused.
func TestDialOutToBaresip(t *testing.T) {
	e := newEnv(t, nil)
	room, _ := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	_, frames := e.joinListener(t, ctx, room)

	_, d := e.dialBaresip(t, room)
	e.waitDialed(t, ctx, d, sip.DialAnswered)
	heard, err := collect(ctx, frames, 48000*2)
	if err != nil {
		t.Fatalf("the room heard %d samples from the called phone: %v", len(heard), err)
	}
	if f, share := tone.Peak(heard, 48000); math.Abs(f-1000) > 15 || share < 0.5 {
		t.Fatalf("the room heard a peak at %.1f Hz (share %.2f), want 1000 Hz", f, share)
	}
	if err := e.bridge.HangUp(room, d.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the call to end", func() bool {
		s, _ := e.bridge.Dialed(room, d.ID)
		return s.State == sip.DialEnded && e.bridge.Calls() == 0
	})
	if _, err := e.bridge.Dialed("other-room", d.ID); err == nil {
		t.Fatal("another room sees the call")
	}
	if _, err := e.bridge.Dial(room, "tel:+331234", ""); err == nil {
		t.Fatal("a tel: URI was accepted")
	}
}
