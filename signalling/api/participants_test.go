package api

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestListAndGetParticipants(t *testing.T) {
	e := newEnv(t)
	e.join("r1", "alice", defaultPerms())
	e.join("r1", "recorder", vocab.Permissions{CanSubscribe: true, Hidden: true})
	var list apiwire.ParticipantList
	e.do("GET", "/api/v1/rooms/r1/participants", e.token("r1", "room_admin"), "").ok(t, 200, &list)
	var ids []string
	for _, p := range list.Participants {
		ids = append(ids, p.Identity)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"alice", "recorder"}) {
		t.Fatalf("participants %v", ids)
	}
	var p Participant
	e.do("GET", "/api/v1/rooms/r1/participants/alice", e.admin, "").ok(t, 200, &p)
	if p.Identity != "alice" || p.Name != "Name alice" || p.SID == "" || p.Kind != vocab.ParticipantStandard || !*p.Permissions.CanPublish || len(p.Permissions.Sources) != 4 {
		t.Fatalf("participant = %+v", p)
	}
	e.do("GET", "/api/v1/rooms/r1/participants/nobody", e.admin, "").problem(t, 404, "participant_not_found")
	e.do("GET", "/api/v1/rooms/nope/participants", e.admin, "").problem(t, 404, "room_not_found")
	e.do("GET", "/api/v1/rooms/nope/participants/alice", e.admin, "").problem(t, 404, "room_not_found")
	e.do("GET", "/api/v1/rooms/r1/participants", e.token("", "room_list"), "").problem(t, 403, auth.CodeMissingGrant)

	// A stored room nobody is in has no participants.
	e.do("POST", "/api/v1/rooms", e.admin, `{"name":"quiet"}`).ok(t, 201, nil)
	e.do("GET", "/api/v1/rooms/quiet/participants", e.admin, "").ok(t, 200, &list)
	if len(list.Participants) != 0 {
		t.Fatalf("quiet room lists %v", list.Participants)
	}
	e.do("GET", "/api/v1/rooms/quiet/participants/alice", e.admin, "").problem(t, 404, "participant_not_found")
}

func TestRemoveParticipant(t *testing.T) {
	e := newEnv(t)
	_, a := e.join("r1", "alice", defaultPerms())
	e.join("r1", "bob", defaultPerms())
	e.do("DELETE", "/api/v1/rooms/r1/participants/alice", e.admin, "").ok(t, 204, nil)
	if r := a.waitClosed(t); r != vocab.ReasonRemoved {
		t.Fatalf("closed with %q", r)
	}
	e.do("DELETE", "/api/v1/rooms/r1/participants/alice", e.admin, "").problem(t, 404, "participant_not_found")
	e.do("DELETE", "/api/v1/rooms/r1/participants/bob", "", "").problem(t, 401, auth.CodeMissingToken)
}

func TestUpdateParticipant(t *testing.T) {
	e := newEnv(t)
	// alice may not change her own metadata; an admin still can.
	perms := defaultPerms()
	perms.CanUpdateMetadata = false
	alice, _ := e.join("r1", "alice", perms)
	_, bob := e.join("r1", "bob", defaultPerms())

	var p Participant
	e.do("PATCH", "/api/v1/rooms/r1/participants/alice", e.admin, `{"name":"Alice B.","metadata":"{\"role\":\"host\"}"}`).ok(t, 200, &p)
	if p.Name != "Alice B." || p.Metadata != `{"role":"host"}` {
		t.Fatalf("participant = %+v", p.ParticipantInfo)
	}
	if alice.Permissions().CanUpdateMetadata {
		t.Fatal("the lent permission was not given back")
	}
	waitUntil(t, "bob hears the update", func() bool {
		bob.mu.Lock()
		defer bob.mu.Unlock()
		for _, ev := range bob.events {
			if u, ok := ev.(sfu.ParticipantUpdated); ok && u.Participant.Name == "Alice B." {
				return true
			}
		}
		return false
	})

	e.do("PATCH", "/api/v1/rooms/r1/participants/alice", e.admin,
		`{"permissions":{"can_publish":true,"sources":["microphone"],"can_publish_data":false}}`).ok(t, 200, &p)
	got := alice.Permissions()
	if !got.CanPublish || !slices.Equal(got.Sources, []vocab.Source{vocab.SourceMicrophone}) || got.CanPublishData || !got.CanSubscribe {
		t.Fatalf("permissions = %+v", got)
	}
	if *p.Permissions.CanPublishData || len(p.Permissions.Sources) != 1 {
		t.Fatalf("response permissions = %+v", p.Permissions)
	}

	for _, tc := range []struct{ body, status, code, field string }{
		{`{}`, "422", "invalid_field", "name"},
		{`{"permissions":{"hidden":true}}`, "422", "invalid_field", "permissions.hidden"},
		{`{"permissions":{"sources":["camera","hologram"]}}`, "422", "invalid_field", "permissions.sources[1]"},
		{`{"name":"bad\u0007name"}`, "422", "invalid_field", "name"},
		{`{"permissions":{"can_fly":true}}`, "400", "unknown_field", "can_fly"},
		{`{"name":7}`, "400", "invalid_type", "name"},
	} {
		status := 422
		if tc.status == "400" {
			status = 400
		}
		e.do("PATCH", "/api/v1/rooms/r1/participants/alice", e.admin, tc.body).problem(t, status, tc.code, tc.field)
	}
	e.do("PATCH", "/api/v1/rooms/r1/participants/carol", e.admin, `{"name":"x"}`).problem(t, 404, "participant_not_found")
}

func TestMuteTrack(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.join("r1", "alice", defaultPerms())
	tr, err := alice.AddTrack("mic-1", sfu.TrackRequest{Kind: vocab.KindAudio, Source: vocab.SourceMicrophone})
	if err != nil {
		t.Fatal(err)
	}
	var got vocab.TrackInfo
	e.do("POST", "/api/v1/rooms/r1/participants/alice/tracks/"+tr.SID+"/mute", e.admin, `{"muted":true}`).ok(t, http.StatusOK, &got)
	if got.SID != tr.SID || !got.Muted {
		t.Fatalf("track = %+v", got)
	}
	// Muting again is not an error (idempotent), unmuting works.
	e.do("POST", "/api/v1/rooms/r1/participants/alice/tracks/"+tr.SID+"/mute", e.admin, `{"muted":true}`).ok(t, 200, nil)
	e.do("POST", "/api/v1/rooms/r1/participants/alice/tracks/"+tr.SID+"/mute", e.admin, `{"muted":false}`).ok(t, 200, &got)
	if got.Muted {
		t.Fatalf("track = %+v", got)
	}
	e.do("POST", "/api/v1/rooms/r1/participants/alice/tracks/TR_nope/mute", e.admin, `{"muted":true}`).problem(t, 404, "track_not_found")
	e.do("POST", "/api/v1/rooms/r1/participants/alice/tracks/"+tr.SID+"/mute", e.admin, `{}`).problem(t, 422, "invalid_field", "muted")
	e.do("POST", "/api/v1/rooms/r1/participants/alice/tracks/"+tr.SID+"/mute", e.admin, `{"muted":"yes"}`).problem(t, 400, "invalid_type", "muted")
	e.do("POST", "/api/v1/rooms/r1/participants/zed/tracks/"+tr.SID+"/mute", e.admin, `{"muted":true}`).problem(t, 404, "participant_not_found")
}

// A participant of another node (relayed here) is removed by its node: the API
// answers once that node confirmed (its relay removed it here), so that the next
// listing does not show it; without a confirmation it answers 504 node_timeout.
func TestRemovingARelayedParticipantWaitsForItsNode(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.RelayedRemovalWait = 2 * time.Second })
	room, err := e.engine.GetOrCreateRoom("spread")
	if err != nil {
		t.Fatal(err)
	}
	relaySink := newSink()
	relay, err := room.Join(sfu.JoinParams{Identity: "relay-node-2", Kind: vocab.ParticipantRelay, Permissions: defaultPerms(), Sink: relaySink})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { relay.Close(vocab.ReasonClientLeft) })
	for _, id := range []string{"bob", "cyd"} {
		if err := relay.DeclareRelayed(sfu.RelayedOwner{Identity: id, Name: id}); err != nil {
			t.Fatal(err)
		}
	}
	// The relay's node removes bob when told (as the cascade's bridge does).
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			for _, ev := range relaySink.snapshot() {
				if a, ok := ev.(sfu.RelayedAdmin); ok && a.Action == vocab.RelayedRemove && a.Identity == "bob" {
					_ = relay.RemoveRelayed("bob", vocab.ReasonRemoved)
				}
			}
		}
	}()
	e.do("DELETE", "/api/v1/rooms/spread/participants/bob", e.admin, "").ok(t, http.StatusNoContent, nil)
	if _, ok := room.Participant("bob"); ok {
		t.Error("bob still in the room when his removal was answered")
	}

	// cyd's node never confirms.
	e.do("DELETE", "/api/v1/rooms/spread/participants/cyd", e.admin, "").problem(t, http.StatusGatewayTimeout, "node_timeout")
}
