package protocol

import (
	"strings"
	"testing"

	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestRelayParticipantDecodes(t *testing.T) {
	tests := []struct {
		in   string
		want RelayParticipantRequest
	}{
		{`{"type":"relay_participant","req_id":5,"data":{"identity":"ada"}}`, RelayParticipantRequest{Identity: "ada"}},
		{`{"type":"relay_participant","req_id":5,"data":{"identity":"ada","name":"Ada","metadata":"{\"hand\":true}"}}`,
			RelayParticipantRequest{Identity: "ada", Name: "Ada", Metadata: `{"hand":true}`}},
		{`{"type":"relay_participant","req_id":5,"data":{"identity":"ada","left":true}}`, RelayParticipantRequest{Identity: "ada", Left: true}},
		{`{"type":"relay_participant","req_id":5,"data":{"identity":"salle-zola","kind":"sip"}}`, RelayParticipantRequest{Identity: "salle-zola", Kind: vocab.ParticipantSIP}},
		{`{"type":"relay_participant","req_id":5,"data":{"identity":"ada","left":true,"reason":"removed"}}`, RelayParticipantRequest{Identity: "ada", Left: true, Reason: vocab.ReasonRemoved}},
		{`{"type":"relay_participant","req_id":5,"data":{"identity":"ada","name":"Ada","joined":true}}`, RelayParticipantRequest{Identity: "ada", Name: "Ada", Joined: true}},
	}
	for _, tc := range tests {
		msg, err := DecodeClient([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if msg.Type != TypeRelayParticipant || msg.ReqID != 5 || msg.Body != tc.want {
			t.Errorf("%s decoded as %+v", tc.in, msg)
		}
	}
}

func TestRelayParticipantRefusedPrecisely(t *testing.T) {
	long := strings.Repeat("x", 200)
	tests := []struct{ in, code, mention string }{
		{`{"type":"relay_participant","req_id":1}`, CodeInvalidArgument, "relay_participant: data is required"},
		{`{"type":"relay_participant","req_id":1,"data":{}}`, CodeInvalidArgument, "relay_participant: identity is required"},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":7}}`, CodeMalformedMessage, `"identity"`},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada","left":"yes"}}`, CodeMalformedMessage, `"left" must be a boolean`},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada","Left":true}}`, CodeMalformedMessage, "Left"},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"` + long + `"}}`, CodeInvalidArgument, "relay_participant: identity "},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada\u0007"}}`, CodeInvalidArgument, "relay_participant: identity "},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada","name":"` + long + `"}}`, CodeInvalidArgument, "relay_participant: name "},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada","metadata":"` + strings.Repeat("m", 70000) + `"}}`, CodeInvalidArgument, "relay_participant: metadata "},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada","left":true,"name":"Ada"}}`, CodeInvalidArgument, "name, metadata, kind and joined are not sent with left"},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada","left":true,"kind":"sip"}}`, CodeInvalidArgument, "name, metadata, kind and joined are not sent with left"},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada","left":true,"joined":true}}`, CodeInvalidArgument, "name, metadata, kind and joined are not sent with left"},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada","joined":1}}`, CodeMalformedMessage, `"joined" must be a boolean`},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada","kind":"relay"}}`, CodeInvalidArgument, `relay_participant: kind "relay": a relay is never relayed`},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada","kind":"robot"}}`, CodeInvalidArgument, `relay_participant: kind "robot" is not a participant kind`},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada","kind":7}}`, CodeMalformedMessage, `"kind"`},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada","left":true,"reason":"bored"}}`, CodeInvalidArgument, `relay_participant: reason "bored" is not a close reason`},
		{`{"type":"relay_participant","req_id":1,"data":{"identity":"ada","reason":"removed"}}`, CodeInvalidArgument, "relay_participant: reason is sent with left only"},
	}
	for _, tc := range tests {
		_, err := DecodeClient([]byte(tc.in))
		de, ok := err.(*DecodeError)
		if !ok || de.Code != tc.code || !strings.Contains(de.Message, tc.mention) || de.ReqID != 1 {
			t.Errorf("DecodeClient(%.80s) = %v; want %s mentioning %q with req_id 1", tc.in, err, tc.code, tc.mention)
		}
	}
}
