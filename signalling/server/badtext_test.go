package server_test

import (
	"strings"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// A display name with a bidirectional override, a 30 KB track name of NUL/CR/LF
// (under the 64 KiB message limit once escaped) and
// a duplicate key are refused with an error naming the fault; the session goes on,
// and the others never see the bad text (the next name they see is the good one).
func TestBadTextOverTheWebSocketIsRefusedAndNotRelayed(t *testing.T) {
	srv := servertest.Start(t)
	alice := connect(t, srv.RTCURL(srv.Token("a", "alice")), protocol.TypeJoin)
	bob := connect(t, srv.RTCURL(srv.Token("a", "bob")), protocol.TypeJoin)
	alice.waitFor(protocol.TypeParticipantJoined)

	bad := []struct {
		raw, code, mention string
	}{
		{`{"type":"update_metadata","req_id":1,"data":{"name":"evil\u202egnp.exe"}}`, protocol.CodeInvalidArgument, "bidirectional"},
		{`{"type":"add_track","req_id":2,"data":{"cid":"c","kind":"audio","source":"microphone","name":"` +
			`\u0000` + strings.Repeat(`\r\n`, 15_000) + `"}}`, protocol.CodeInvalidArgument, "name is too long"},
		{`{"type":"update_metadata","req_id":3,"data":{"name":"Alice","name":"Mallory"}}`, protocol.CodeMalformedMessage, "duplicate key"},
	}
	for i, b := range bad {
		alice.sendRaw(b.raw)
		msg := alice.waitFor(protocol.TypeError)
		e := msg.Body.(protocol.ErrorMessage)
		if msg.ReqID != uint32(i+1) || e.Code != b.code || !strings.Contains(e.Message, b.mention) {
			t.Fatalf("refusal %d: req %d %+v, want req %d code %s mentioning %q", i, msg.ReqID, e, i+1, b.code, b.mention)
		}
	}
	alice.send(protocol.TypeUpdateMetadata, 4, protocol.UpdateMetadataRequest{Name: ptr("Alice Martin")})
	alice.waitFor(protocol.TypeAck)
	upd := bob.waitFor(protocol.TypeParticipantUpdated).Body.(protocol.ParticipantEvent)
	if upd.Participant.Name != "Alice Martin" {
		t.Fatalf("bob saw the name %q first", upd.Participant.Name)
	}
}

func ptr[T any](v T) *T { return &v }

// join.ice_servers is always present, an empty list when the server has none, so
// that clients written from PROTOCOL.md need no null check.
func TestJoinAlwaysCarriesICEServers(t *testing.T) {
	srv := servertest.Start(t)
	c := connect(t, srv.RTCURL(srv.Token("a", "alice")), protocol.TypeJoin)
	if c.join.ICEServers == nil {
		t.Fatal(`join has "ice_servers": null or no ice_servers, want []`)
	}
}
