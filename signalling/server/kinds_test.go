package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

func kindToken(srv *servertest.Server, room, identity string, kind vocab.ParticipantKind, g auth.Grants) string {
	return srv.TokenWith(auth.TokenParams{Identity: identity, Name: identity, Room: room, Kind: kind, Grants: g, TTL: time.Hour})
}

var recorderGrants = auth.Grants{Join: true, Subscribe: true, Record: true}

// The kind of the token reaches the others (a SIP caller is shown as sip); a
// recorder is never shown and never counts toward the room's capacity, but
// everyone knows the room is recorded (room.recording, room_updated).
func TestParticipantKindsOverTheWire(t *testing.T) {
	srv := servertest.Start(t, servertest.WithMaxParticipants(2))
	alice := connect(t, srv.RTCURL(srv.Token("k", "alice")), protocol.TypeJoin)
	if k := alice.join.Participant.Kind; k != vocab.ParticipantStandard {
		t.Errorf("alice's own kind %q, want standard", k)
	}
	rec := connect(t, srv.RTCURL(kindToken(srv, "k", "rec", vocab.ParticipantRecorder, recorderGrants)), protocol.TypeJoin)
	if !rec.join.Participant.Hidden || rec.join.Participant.Kind != vocab.ParticipantRecorder {
		t.Errorf("the recorder sees itself as %+v, want hidden recorder", rec.join.Participant)
	}
	// The recorder is not announced, but everyone is told the room is recorded.
	if up := alice.waitFor(protocol.TypeRoomUpdated).Body.(protocol.RoomUpdatedEvent); !up.Room.Recording {
		t.Errorf("room_updated %+v, want recording", up.Room)
	}
	phone := connect(t, srv.RTCURL(kindToken(srv, "k", "sip-33123", vocab.ParticipantSIP, auth.DefaultParticipantGrants())), protocol.TypeJoin)
	if !phone.join.Room.Recording {
		t.Error("a participant joining a recorded room is not told so in join")
	}
	ev := alice.waitFor(protocol.TypeParticipantJoined).Body.(protocol.ParticipantEvent)
	if ev.Participant.Identity != "sip-33123" || ev.Participant.Kind != vocab.ParticipantSIP {
		t.Errorf("alice was told of %+v, want the SIP participant (the recorder is never announced)", ev.Participant)
	}
	for _, o := range phone.join.Others {
		if o.Kind == vocab.ParticipantRecorder || o.Identity == "rec" {
			t.Errorf("the recorder is listed to others: %+v", o)
		}
	}
	if n := phone.join.Room.NumParticipants; n != 2 {
		t.Errorf("num_participants %d, want 2 (the recorder does not count)", n)
	}
	// Full at 2 shown participants: a third is refused, a second recorder is not.
	if body := dialRefused(t, srv.RTCURL(srv.Token("k", "carol")), nil, http.StatusForbidden); body.Code != protocol.CodeRoomFull {
		t.Errorf("a third participant: %q, want room_full", body.Code)
	}
	connect(t, srv.RTCURL(kindToken(srv, "k", "rec2", vocab.ParticipantRecorder, recorderGrants)), protocol.TypeJoin)
}

// The record grant is per room: a recorder's token for room a never joins (and so
// never records) room b, and a recorder's token needs the grant.
func TestRecorderTokenIsForItsRoomOnly(t *testing.T) {
	srv := servertest.Start(t)
	tok := kindToken(srv, "a", "rec", vocab.ParticipantRecorder, recorderGrants)
	if body := dialRefused(t, srv.RTCURL(tok, "room=b"), nil, http.StatusForbidden); body.Code != auth.CodeWrongRoom {
		t.Errorf("recorder of a joining b: %q, want %s", body.Code, auth.CodeWrongRoom)
	}
	noGrant := kindToken(srv, "a", "rec", vocab.ParticipantRecorder, auth.Grants{Join: true, Subscribe: true})
	if body := dialRefused(t, srv.RTCURL(noGrant), nil, http.StatusForbidden); body.Code != auth.CodeMissingGrant {
		t.Errorf("recorder without the record grant: %q, want %s", body.Code, auth.CodeMissingGrant)
	}
	if _, ok := srv.Engine.Room("b"); ok {
		t.Error("room b was created")
	}
	connect(t, srv.RTCURL(tok), protocol.TypeJoin)
}
