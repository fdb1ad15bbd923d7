package sip_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/ensemble-sfu/ensemble/sip"
	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
)

// A caller waiting in a room's lobby hears the waiting tone (baresip records
// what it hears), and once admitted into a silent room hears it no more.
func TestBaresipCallerHearsTheWaitingTone(t *testing.T) {
	room := "lobby-room"
	e, ctx, host := newLobbyEnv(t, room, func(c *sip.Config) { c.Meetings = pinMeetings{room} })
	wav := filepath.Join(t.TempDir(), "silence.wav")
	if err := writeWAV(wav, 8000, make([]int16, 8000*50)); err != nil {
		t.Fatal(err)
	}
	ua := startBaresip(t, wav, "PCMU/8000/1", "Waiting Phone", fmt.Sprintf("sip:12@127.0.0.1:%d", e.bridge.Addr().Port()))
	g := host.knock(t, ctx)

	// Waiting: the recording has beeps, at the waiting tone's pitch.
	ua.hearsWaitingTone(t, ctx, 0)

	// Admitted: from shortly after (the join's answer, baresip's buffers),
	// silence for longer than the tone's cycle.
	pcm, _ := ua.heardSoFar()
	admittedAt := len(pcm)
	if err := host.AdmitGuest(ctx, g.Identity); err != nil {
		t.Fatal(err)
	}
	const margin, span = 8000, 8000 * 4 // 1 s, then 4 s
	waitFor(t, ctx, "4 s of the call after the admission", func() bool {
		pcm, _ = ua.heardSoFar()
		return len(pcm) >= admittedAt+margin+span
	})
	if after := loud(pcm[admittedAt+margin:admittedAt+margin+span], 8000); len(after) > 0 {
		f, _ := tone.Peak(after, 8000)
		t.Fatalf("admitted into a silent room, the caller still heard %d samples of sound (peak %.1f Hz)", len(after), f)
	}
	ua.stop(ctx)
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
}

// hearsWaitingTone waits for baresip to have heard, past sample from of its
// recording, a whole beep of the waiting tone (at 8 kHz), and checks its pitch.
func (b *baresip) hearsWaitingTone(t *testing.T, ctx context.Context, from int) {
	t.Helper()
	var beeps []int16
	waitFor(t, ctx, "the caller to hear a whole beep", func() bool {
		pcm, _ := b.heardSoFar()
		if len(pcm) <= from {
			return false
		}
		beeps = loud(pcm[from:], 8000)
		return len(beeps) >= 8000*3/10
	})
	if f, share := tone.Peak(beeps, 8000); math.Abs(f-sip.WaitingToneHz) > 10 || share < 0.5 {
		t.Fatalf("while waiting the caller heard a peak at %.1f Hz (share %.2f), want %d Hz", f, share, sip.WaitingToneHz)
	}
}

// loud keeps the 20 ms frames of pcm that carry sound.
func loud(pcm []int16, rate int) []int16 {
	frame := rate / 50
	var out []int16
	for i := 0; i+frame <= len(pcm); i += frame {
		if tone.RMS(pcm[i:i+frame]) > 300 {
			out = append(out, pcm[i:i+frame]...)
		}
	}
	return out
}

// heardSoFar is what baresip decoded from a call still going on: its sndfile
// dump, whose header does not yet give the data's length.
func (b *baresip) heardSoFar() ([]int16, int) {
	files, _ := filepath.Glob(filepath.Join(b.dir, "dump-*-dec.wav"))
	if len(files) != 1 {
		return nil, 0
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return nil, 0
	}
	rate := 0
	for off := 12; off+8 <= len(data); {
		id, size := string(data[off:off+4]), int(binary.LittleEndian.Uint32(data[off+4:]))
		switch id {
		case "fmt ":
			if off+16 <= len(data) {
				rate = int(binary.LittleEndian.Uint32(data[off+12:]))
			}
		case "data":
			body := data[off+8:]
			pcm := make([]int16, len(body)/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return pcm, rate
		}
		off += 8 + size + size%2
	}
	return nil, 0
}
