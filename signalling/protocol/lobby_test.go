package protocol

import (
	"strings"
	"testing"
	"time"
)

func TestLobbyDecisionsDecode(t *testing.T) {
	for _, typ := range []string{TypeLobbyAdmit, TypeLobbyRefuse} {
		msg, err := DecodeClient([]byte(`{"type":"` + typ + `","req_id":5,"data":{"identity":"guest-4f2a"}}`))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if msg.Type != typ || msg.ReqID != 5 || msg.Body != (LobbyDecisionRequest{Identity: "guest-4f2a"}) {
			t.Fatalf("%s decoded as %+v", typ, msg)
		}
	}
}

func TestLobbyDecisionsRefusedPrecisely(t *testing.T) {
	tests := []struct{ in, code, mention string }{
		{`{"type":"lobby_admit","req_id":1}`, CodeInvalidArgument, "data is required"},
		{`{"type":"lobby_admit","req_id":1,"data":{}}`, CodeInvalidArgument, "identity is required"},
		{`{"type":"lobby_refuse","req_id":1,"data":{"identity":7}}`, CodeMalformedMessage, `"identity"`},
		{`{"type":"lobby_refuse","req_id":1,"data":{"identity":"` + strings.Repeat("x", 300) + `"}}`, CodeInvalidArgument, "longer than"},
	}
	for _, tc := range tests {
		_, err := DecodeClient([]byte(tc.in))
		de, ok := err.(*DecodeError)
		if !ok || de.Code != tc.code || !strings.Contains(de.Message, tc.mention) || de.ReqID != 1 {
			t.Errorf("DecodeClient(%.60s) = %v; want %s mentioning %q with req_id 1", tc.in, err, tc.code, tc.mention)
		}
	}
}

func TestLobbyServerMessagesRoundTrip(t *testing.T) {
	since := time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC)
	tests := []struct {
		typ  string
		data any
	}{
		{TypeLobbyWaiting, LobbyWaitingEvent{Room: "standup", Identity: "guest-4f2a", Name: "Alice", PingIntervalMS: 10000}},
		{TypeLobbyKnock, LobbyGuestEvent{Guest: LobbyGuest{Identity: "guest-4f2a", Name: "Alice", Since: since}}},
		{TypeLobbyLeft, LobbyGuestEvent{Guest: LobbyGuest{Identity: "guest-4f2a", Since: since}, Reason: "admitted"}},
	}
	for _, tc := range tests {
		b, err := Encode(tc.typ, 0, tc.data)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := DecodeServer(b)
		if err != nil {
			t.Fatalf("%s: %v", tc.typ, err)
		}
		if msg.Body != tc.data {
			t.Errorf("%s: round trip %#v, want %#v", tc.typ, msg.Body, tc.data)
		}
	}
}
