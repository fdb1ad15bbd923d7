package sfu

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// join joins room with a plain event log as sink (no media).
func join(t *testing.T, room *Room, identity string, kind vocab.ParticipantKind, perms vocab.Permissions) (*Participant, *eventLog, error) {
	t.Helper()
	log := newEventLog()
	p, err := room.Join(JoinParams{Identity: identity, Kind: kind, Permissions: perms, Sink: log})
	if err == nil {
		t.Cleanup(func() { p.Close(vocab.ReasonClientLeft) })
	}
	return p, log, err
}

// waitFor waits until an event matches.
func (l *eventLog) waitFor(t *testing.T, what string, match func(Event) bool) {
	t.Helper()
	deadline := time.After(testTimeout)
	for {
		for _, ev := range l.all() {
			if match(ev) {
				return
			}
		}
		select {
		case <-l.notify:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; events: %s", what, describe(l.all()))
		}
	}
}

// closedReasons lists the reasons of the Closed events in log.
func closedReasons(log *eventLog) []vocab.CloseReason {
	var out []vocab.CloseReason
	for _, ev := range log.all() {
		if c, ok := ev.(Closed); ok {
			out = append(out, c.Reason)
		}
	}
	return out
}

// One capacity rule, for the room's own cap and the engine's: participants shown to
// others count; hidden ones and recorders neither count nor are refused; a join that
// replaces its own identity is not a new one. CheckAdmission answers as Join does.
func TestCapacityCountsShownParticipantsOnly(t *testing.T) {
	for _, tc := range []struct {
		name           string
		engine, room   int
		wantCap        int
		wantRoomFullAt int
	}{
		{"room cap", 0, 2, 2, 2},
		{"engine cap", 2, 0, 2, 2},
		{"the lower of both", 3, 2, 2, 2},
		{"the lower of both, engine", 2, 5, 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, func(c *Config) { c.MaxParticipantsPerRoom = tc.engine })
			room, _ := e.GetOrCreateRoom("capped")
			room.SetMaxParticipants(tc.room)
			for _, id := range []string{"alice", "bob"} {
				if _, _, err := join(t, room, id, "", vocab.Permissions{}); err != nil {
					t.Fatalf("%s: %v", id, err)
				}
			}
			for _, who := range []struct {
				id   string
				kind vocab.ParticipantKind
				perm vocab.Permissions
			}{{"recorder", vocab.ParticipantRecorder, vocab.Permissions{}}, {"bridge-leg", "", vocab.Permissions{Hidden: true}}} {
				if err := room.CheckAdmission(who.kind, who.id, who.perm); err != nil {
					t.Errorf("CheckAdmission(%s) = %v, want admitted", who.id, err)
				}
				if _, _, err := join(t, room, who.id, who.kind, who.perm); err != nil {
					t.Errorf("%s refused at the cap: %v", who.id, err)
				}
			}
			var full *RoomFullError
			if err := room.CheckAdmission(vocab.ParticipantSIP, "phone", vocab.Permissions{}); !errors.As(err, &full) || full.Max != tc.wantCap {
				t.Errorf("CheckAdmission(sip) = %v, want RoomFullError{%d}", err, tc.wantCap)
			}
			if _, _, err := join(t, room, "carol", "", vocab.Permissions{}); !errors.Is(err, ErrRoomFull) {
				t.Errorf("a third shown participant: %v, want ErrRoomFull", err)
			}
			if err := room.CheckAdmission("", "alice", vocab.Permissions{}); err != nil {
				t.Errorf("CheckAdmission(alice again) = %v: replacing oneself is not a new join", err)
			}
			if _, _, err := join(t, room, "alice", "", vocab.Permissions{}); err != nil {
				t.Errorf("alice replacing herself: %v", err)
			}
			if info := room.Info(); info.NumParticipants != 2 || info.MaxParticipants != tc.wantCap {
				t.Errorf("Info: %d participants of %d; want 2 of %d (hidden ones not counted)", info.NumParticipants, info.MaxParticipants, tc.wantCap)
			}
		})
	}
}

// A recorder is hidden whatever its permissions say, and stays so; a SIP
// participant is shown, and its kind reaches the others.
func TestParticipantKinds(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("kinds")
	_, alice, _ := join(t, room, "alice", "", vocab.Permissions{})
	rec, _, err := join(t, room, "rec", vocab.ParticipantRecorder, vocab.Permissions{CanSubscribe: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Permissions().Hidden || !rec.Info().Hidden || rec.Info().Kind != vocab.ParticipantRecorder {
		t.Fatalf("recorder: %+v, want hidden with kind recorder", rec.Info())
	}
	rec.SetPermissions(vocab.Permissions{CanSubscribe: true, Hidden: false})
	if !rec.Permissions().Hidden {
		t.Error("a recorder was made visible by SetPermissions")
	}
	phone, _, err := join(t, room, "sip-1", vocab.ParticipantSIP, vocab.Permissions{CanPublish: true, Sources: []vocab.Source{vocab.SourceMicrophone}})
	if err != nil {
		t.Fatal(err)
	}
	alice.waitFor(t, "the SIP participant joins, with its kind", func(ev Event) bool {
		j, ok := ev.(ParticipantJoined)
		return ok && j.Participant.Identity == "sip-1" && j.Participant.Kind == vocab.ParticipantSIP
	})
	for _, ev := range alice.all() {
		if j, ok := ev.(ParticipantJoined); ok && j.Participant.Identity == "rec" {
			t.Error("the others were told a recorder joined")
		}
	}
	if phone.Info().Kind != vocab.ParticipantSIP {
		t.Errorf("SIP participant kind %q", phone.Info().Kind)
	}
	if _, _, err := join(t, room, "someone", "robot", vocab.Permissions{}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("kind robot: %v, want ErrInvalidArgument", err)
	}
	plain, _, err := join(t, room, "plain", "", vocab.Permissions{})
	if err != nil {
		t.Fatal(err)
	}
	if k := plain.Info().Kind; k != vocab.ParticipantStandard {
		t.Errorf("no kind reads as %q, want standard", k)
	}
}

// The empty-room close and joins are decided under the room's lock: 200 rounds of
// "the last participant leaves while another joins", each in its own room, never
// close the joiner. A join refused because the room is closing finds a new room
// under the same name at the next GetOrCreateRoom (as the signalling server does).
func TestEmptyRoomCloseNeverTakesAJoin(t *testing.T) {
	e := newTestEngine(t)
	const rounds = 200
	type joined struct {
		p   *Participant
		log *eventLog
	}
	joiners := make([]joined, rounds)
	for i := range rounds {
		name := fmt.Sprintf("race-%d", i)
		room, _ := e.GetOrCreateRoom(name)
		leaver, _, err := join(t, room, "leaver", "", vocab.Permissions{})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			leaver.Close(vocab.ReasonClientLeft)
		}()
		for attempt := 0; ; attempt++ {
			room, err := e.GetOrCreateRoom(name)
			if err != nil {
				t.Fatal(err)
			}
			log := newEventLog()
			p, err := room.Join(JoinParams{Identity: "joiner", Sink: log})
			if errors.Is(err, ErrRoomClosed) && attempt == 0 {
				continue
			}
			if err != nil {
				t.Fatalf("round %d: join refused: %v", i, err)
			}
			joiners[i] = joined{p, log}
			break
		}
		wg.Wait()
	}
	lost := 0
	for i, j := range joiners {
		j.p.Close(vocab.ReasonClientLeft)
		if got := closedReasons(j.log); len(got) != 1 || got[0] != vocab.ReasonClientLeft {
			lost++
			t.Errorf("round %d: the joiner was closed with %v, want only client_left", i, got)
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d joins lost to a closing room", lost, rounds)
	}
}
