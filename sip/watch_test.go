package sip_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/sip"
	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// roomWatch is a Go client in a room that follows what the SIP tests look
// for: participants of kind sip joining, knocks at the lobby (as a room
// admin), and callers' key presses (data with topic dtmf).
type roomWatch struct {
	*client.Client
	joined chan vocab.ParticipantInfo
	knocks chan client.LobbyGuest
	keys   chan string
}

// watchRoom joins room as identity with grants (none: an ordinary
// participant's) until the test ends.
func (e *env) watchRoom(t *testing.T, ctx context.Context, room, identity string, grants ...string) *roomWatch {
	t.Helper()
	c, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, identity, grants...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	w := &roomWatch{Client: c, joined: make(chan vocab.ParticipantInfo, 4), knocks: make(chan client.LobbyGuest, 4), keys: make(chan string, 10)}
	go func() {
		for ev := range c.Events() {
			switch ev := ev.(type) {
			case client.ParticipantJoined:
				if ev.Participant.Kind == vocab.ParticipantSIP {
					w.joined <- ev.Participant
				}
			case client.LobbyKnock:
				w.knocks <- ev.Guest
			case client.DataReceived:
				var m struct{ Digit string }
				if ev.Topic == "dtmf" && json.Unmarshal(ev.Payload, &m) == nil {
					w.keys <- m.Digit
				}
			}
		}
	}()
	return w
}

// joinedSIP waits for a participant of kind sip to join (what says which).
func (w *roomWatch) joinedSIP(t *testing.T, ctx context.Context, what string) vocab.ParticipantInfo {
	t.Helper()
	select {
	case p := <-w.joined:
		return p
	case <-ctx.Done():
		t.Fatalf("%s never joined the room", what)
		return vocab.ParticipantInfo{}
	}
}

// knock waits for a knock at the lobby.
func (w *roomWatch) knock(t *testing.T, ctx context.Context) client.LobbyGuest {
	t.Helper()
	select {
	case g := <-w.knocks:
		return g
	case <-ctx.Done():
		t.Fatal("no caller knocked at the lobby")
		return client.LobbyGuest{}
	}
}

// sineWAV writes 30 s of a sine at freq, 8 kHz, for baresip to send.
func sineWAV(t *testing.T, freq, amplitude float64) string {
	t.Helper()
	wav := filepath.Join(t.TempDir(), fmt.Sprintf("tone-%.0f.wav", freq))
	if err := writeWAV(wav, 8000, (&tone.Sine{Freq: freq, Rate: 8000, Amplitude: amplitude}).Next(8000*30)); err != nil {
		t.Fatal(err)
	}
	return wav
}

// dialBaresip has the bridge call into room a baresip that answers by
// itself, sending a 1 kHz tone, as "Salle B".
func (e *env) dialBaresip(t *testing.T, room string) (*baresip, sip.Dialed) {
	t.Helper()
	ua := startBaresip(t, sineWAV(t, 1000, 8000), "PCMU/8000/1", "Desk phone", "")
	d, err := e.bridge.Dial(room, fmt.Sprintf("sip:tester@127.0.0.1:%d", ua.port), "Salle B")
	if err != nil {
		t.Fatal(err)
	}
	return ua, d
}

// waitDialed waits for the placed call to reach state.
func (e *env) waitDialed(t *testing.T, ctx context.Context, d sip.Dialed, state sip.DialState) {
	t.Helper()
	waitFor(t, ctx, "the call to be "+string(state), func() bool {
		s, err := e.bridge.Dialed(d.Room, d.ID)
		return err == nil && s.State == state
	})
}
