package server_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// An upgrade request with a broken WebSocket handshake used to join (or resume)
// before the WebSocket library refused it in plain text: a participant joined
// and left at once, and a resume took the live session into its grace period
// (found by FuzzRTCRequest). It is refused first now, as JSON, and the live
// session keeps its connection.
func TestBrokenHandshakeIsRefusedBeforeJoinOrResume(t *testing.T) {
	srv := servertest.Start(t)
	alice := connect(t, srv.RTCURL(srv.Token("team", "alice")), protocol.TypeJoin)
	sid := alice.join.Participant.SID
	for _, tc := range []struct{ name, url, key, version string }{
		{"join without key", srv.RTCURL(srv.Token("team", "bob")), "", "13"},
		{"join with a short key", srv.RTCURL(srv.Token("team", "bob")), "c2hvcnQ=", "13"},
		{"join with version 8", srv.RTCURL(srv.Token("team", "bob")), "AAAAAAAAAAAAAAAAAAAAAA==", "8"},
		{"resume without key", srv.RTCURL(srv.Token("team", "alice"), "resume="+sid), "", "13"},
	} {
		req, err := http.NewRequest(http.MethodGet, "http"+tc.url[len("ws"):], nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Sec-WebSocket-Version", tc.version)
		if tc.key != "" {
			req.Header.Set("Sec-WebSocket-Key", tc.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body errorBody
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || err != nil || body.Code != protocol.CodeBadRequest {
			t.Fatalf("%s: %d %+v (%v), want 400 %s as JSON", tc.name, resp.StatusCode, body, err, protocol.CodeBadRequest)
		}
	}
	room, ok := srv.Engine.Room("team")
	if !ok || len(room.Participants()) != 1 {
		t.Fatalf("room team: %v; want alice alone", ok)
	}
	// alice's session still has its connection: a ping is answered on it.
	alice.send(protocol.TypePing, 7, protocol.PingMessage{Timestamp: 1})
	if msg := alice.waitFor(protocol.TypePong); msg.Type != protocol.TypePong {
		t.Fatalf("got %q, want pong", msg.Type)
	}
}
