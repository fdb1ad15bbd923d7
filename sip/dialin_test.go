package sip_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// baresip dials a meeting's number with a 1 kHz tone; a Go client in the room
// hears 1 kHz, and what baresip hears of the room (a Go client's 440 Hz) is at
// 440 Hz; in each codec the bridge speaks.
func TestBaresipDialsInAndBothWaysCarryTheirTone(t *testing.T) {
	for _, tc := range []struct {
		codec string
		rate  int // baresip's aufile reads its file at the codec's rate
	}{
		{"PCMU/8000/1", 8000}, {"PCMA/8000/1", 8000}, {"G722/16000/1", 16000}, {"opus/48000/2", 48000},
	} {
		t.Run(tc.codec[:4], func(t *testing.T) {
			e := newEnv(t, nil)
			room, number := e.meeting(t)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			alice, frames := e.joinListener(t, ctx, room)
			publishTone(t, ctx, alice, 440)

			wav := filepath.Join(t.TempDir(), "tone-1k.wav")
			src := &tone.Sine{Freq: 1000, Rate: float64(tc.rate), Amplitude: 8000}
			if err := writeWAV(wav, tc.rate, src.Next(tc.rate*30)); err != nil {
				t.Fatal(err)
			}
			ua := startBaresip(t, wav, tc.codec, "Salle Jaurès",
				fmt.Sprintf("sip:%s@127.0.0.1:%d", number, e.bridge.Addr().Port()))

			heard, err := collect(ctx, frames, 48000*2)
			if err != nil {
				t.Fatalf("the room heard %d samples from the call: %v", len(heard), err)
			}
			if f, share := tone.Peak(heard, 48000); math.Abs(f-1000) > 15 || share < 0.5 {
				t.Fatalf("the room heard a peak at %.1f Hz (share %.2f), want 1000 Hz", f, share)
			}
			var sipName string
			for _, p := range alice.Others() {
				if p.Kind == vocab.ParticipantSIP {
					sipName = p.Name
				}
			}
			if sipName != "Salle Jaurès" {
				t.Fatalf("the SIP participant is named %q", sipName)
			}
			ua.stop(ctx)
			ua.requireHeard440(t)
			waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
		})
	}
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
