package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/apiclient"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// run runs `ensemble room args...` against e with its API key, returning stdout.
func (e *env) run(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	full := append(args, "--url", e.url, "--api-key", testKey, "--api-secret", testSecret)
	err := apiclient.RunCLI(e.t.Context(), full, &out, &errOut)
	return out.String(), err
}

func (e *env) mustRun(args ...string) string {
	e.t.Helper()
	out, err := e.run(args...)
	if err != nil {
		e.t.Fatalf("ensemble room %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func TestCLIRooms(t *testing.T) {
	e := newEnv(t)
	var room apiwire.Room
	if err := json.Unmarshal([]byte(e.mustRun("create", "--name", "cli-room", "--guests", "allow", "--lobby", "--max-participants", "5")), &room); err != nil {
		t.Fatal(err)
	}
	if room.Name != "cli-room" || !room.Lobby || room.MaxParticipants != 5 {
		t.Fatalf("created %+v", room)
	}
	alice, _ := e.join("cli-room", "alice", defaultPerms())
	tr, err := alice.AddTrack("cam", sfu.TrackRequest{Kind: vocab.KindVideo, Source: vocab.SourceCamera})
	if err != nil {
		t.Fatal(err)
	}
	_, bobSink := e.join("cli-room", "bob", defaultPerms())

	if out := e.mustRun("list"); !strings.Contains(out, "cli-room") || !strings.Contains(out, "NAME") {
		t.Fatalf("list:\n%s", out)
	}
	var rooms []apiwire.Room
	if err := json.Unmarshal([]byte(e.mustRun("list", "--json")), &rooms); err != nil || len(rooms) != 1 || rooms[0].NumParticipants != 2 {
		t.Fatalf("list --json: %+v %v", rooms, err)
	}
	if out := e.mustRun("get", "cli-room"); !strings.Contains(out, `"num_participants": 2`) {
		t.Fatalf("get:\n%s", out)
	}
	if out := e.mustRun("participants", "cli-room"); !strings.Contains(out, "alice") || !strings.Contains(out, "bob") {
		t.Fatalf("participants:\n%s", out)
	}
	if out := e.mustRun("mute", "cli-room", "alice", tr.SID); !strings.Contains(out, `"muted": true`) {
		t.Fatalf("mute:\n%s", out)
	}
	if out := e.mustRun("mute", "--unmute", "cli-room", "alice", tr.SID); !strings.Contains(out, `"muted": false`) {
		t.Fatalf("unmute:\n%s", out)
	}
	e.mustRun("remove", "cli-room", "bob")
	if r := bobSink.waitClosed(t); r != vocab.ReasonRemoved {
		t.Fatalf("bob closed with %q", r)
	}
	e.mustRun("delete", "cli-room")
	_, err = e.run("get", "cli-room")
	var p *apiwire.Problem
	if !errors.As(err, &p) || p.Code != "room_not_found" {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestCLIMeetingAndInvite(t *testing.T) {
	e := newEnv(t)
	out := e.mustRun("meeting", "create", "--title", "Planning", "--start", "2026-12-03T09:00", "--end", "2026-12-03T10:00",
		"--time-zone", "Europe/Paris", "--idempotency-key", "cli-1")
	var v meeting.View
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	again := e.mustRun("meeting", "create", "--title", "Planning", "--start", "2026-12-03T09:00", "--end", "2026-12-03T10:00",
		"--time-zone", "Europe/Paris", "--idempotency-key", "cli-1")
	if !strings.Contains(again, v.ID) {
		t.Fatal("the idempotency key made a second meeting")
	}
	if ics := e.mustRun("invite", v.ID); !strings.Contains(ics, "BEGIN:VCALENDAR") || !strings.Contains(ics, "TZID=Europe/Paris") {
		t.Fatalf("invite:\n%s", ics)
	}
	file := filepath.Join(t.TempDir(), "invite.ics")
	e.mustRun("invite", v.ID, "-o", file)
	b, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(b), "SUMMARY:Planning") {
		t.Fatalf("saved invite: %v\n%s", err, b)
	}
	_, err = e.run("meeting", "create", "--title", "x", "--start", "never", "--end", "2026-12-03T10:00")
	var p *apiwire.Problem
	if !errors.As(err, &p) || p.Status != 422 || p.Errors[0].Field != "start" {
		t.Fatalf("bad start: %v", err)
	}
}

// --dev mints with the development key, which a production server does not
// accept. (The usage errors, which never reach a server, are apiclient's tests.)
func TestCLIDevAgainstProductionServer(t *testing.T) {
	e := newEnv(t)
	var out, errOut bytes.Buffer
	err := apiclient.RunCLI(t.Context(), []string{"list", "--url", e.url, "--dev"}, &out, &errOut)
	var p *apiwire.Problem
	if !errors.As(err, &p) || p.Code != auth.CodeUnknownKey {
		t.Fatalf("--dev against a production server: %v", err)
	}
}

func TestCLIDevAgainstDevServer(t *testing.T) {
	e := newEnv(t, func(d *Deps) {
		d.Keys = auth.DevKeys()
		d.Verifier = auth.NewVerifier(d.Keys)
	})
	var out, errOut bytes.Buffer
	if err := apiclient.RunCLI(t.Context(), []string{"--dev", "create", "--url", e.url, "--name", "dev-room"}, &out, &errOut); err != nil {
		t.Fatalf("create --dev: %v (%s)", err, errOut.String())
	}
	if !strings.Contains(out.String(), "dev-room") {
		t.Fatalf("out:\n%s", out.String())
	}
}
