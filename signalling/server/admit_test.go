package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

func TestRTCRefusesBadTokensBeforeUpgrade(t *testing.T) {
	srv := servertest.Start(t)
	sign := func(key, secret string, p auth.TokenParams) string {
		tok, err := auth.Sign(key, secret, p)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	join := auth.Grants{Join: true, Subscribe: true}
	good := auth.TokenParams{Identity: "alice", Room: "a", Grants: join, TTL: time.Hour}
	expired := good
	expired.NotBefore, expired.TTL = time.Now().Add(-2*time.Hour), time.Hour
	future := good
	future.NotBefore = time.Now().Add(time.Hour)
	noJoin := good
	noJoin.Grants = auth.Grants{Subscribe: true}
	// An API client's server-wide token that also carries join: it administers every
	// room through the API but joins none.
	roomlessAdmin := auth.TokenParams{Identity: "mallory", Grants: auth.Grants{Join: true, Subscribe: true, RoomAdmin: true}, TTL: time.Hour}

	tests := []struct {
		name   string
		query  string
		header http.Header
		status int
		code   string
	}{
		{"no token", "", nil, 401, auth.CodeMissingToken},
		{"garbage token", "access_token=not.a.jwt", nil, 401, auth.CodeMalformedToken},
		{"alg none", "access_token=" + noneToken("a", "alice"), nil, 401, auth.CodeUnsupportedAlgorithm},
		{"unknown key", "access_token=" + sign("otherkey", srv.APISecret, good), nil, 401, auth.CodeUnknownKey},
		{"wrong secret", "access_token=" + sign(srv.APIKey, strings.Repeat("x", 40), good), nil, 401, auth.CodeInvalidSignature},
		{"expired", "access_token=" + sign(srv.APIKey, srv.APISecret, expired), nil, 401, auth.CodeTokenExpired},
		{"not yet valid", "access_token=" + sign(srv.APIKey, srv.APISecret, future), nil, 401, auth.CodeTokenNotYetValid},
		{"wrong room", "access_token=" + sign(srv.APIKey, srv.APISecret, good) + "&room=b", nil, 403, auth.CodeWrongRoom},
		{"roomless admin token", "access_token=" + sign(srv.APIKey, srv.APISecret, roomlessAdmin) + "&room=a", nil, 403, auth.CodeWrongRoom},
		{"roomless admin token, no room", "access_token=" + sign(srv.APIKey, srv.APISecret, roomlessAdmin), nil, 403, auth.CodeWrongRoom},
		{"missing join grant", "access_token=" + sign(srv.APIKey, srv.APISecret, noJoin), nil, 403, auth.CodeMissingGrant},
		{"bearer expired", "", http.Header{"Authorization": {"Bearer " + sign(srv.APIKey, srv.APISecret, expired)}}, 401, auth.CodeTokenExpired},
		{"other protocol version", "protocol=2&access_token=" + sign(srv.APIKey, srv.APISecret, good), nil, 400, protocol.CodeUnsupportedProtocol},
		{"resume of nobody", "resume=PA_nobody&access_token=" + sign(srv.APIKey, srv.APISecret, good), nil, 410, protocol.CodeResumeUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := dialRefused(t, srv.WSURL+"?"+tc.query, tc.header, tc.status)
			if body.Code != tc.code {
				t.Errorf("code = %q (%s), want %q", body.Code, body.Message, tc.code)
			}
		})
	}
	if n := srv.Signalling.Sessions(); n != 0 {
		t.Errorf("%d sessions after refusals, want 0", n)
	}
}

func TestRTCWithoutUpgradeIsRefusedAfterTheToken(t *testing.T) {
	srv := servertest.Start(t)
	status, body := httpGet(t, "http://"+srv.WSURL[len("ws://"):]+"?access_token="+srv.Token("a", "alice"))
	if status != http.StatusUpgradeRequired || !strings.Contains(body, protocol.CodeBadRequest) {
		t.Errorf("plain GET with a good token = %d %s, want 426 bad_request", status, body)
	}
	status, body = httpGet(t, "http://"+srv.WSURL[len("ws://"):])
	if status != http.StatusUnauthorized || !strings.Contains(body, auth.CodeMissingToken) {
		t.Errorf("plain GET without token = %d %s, want 401 missing_token", status, body)
	}
}

func TestTokenForRoomANeverJoinsRoomB(t *testing.T) {
	srv := servertest.Start(t)
	tok := srv.Token("a", "alice")
	body := dialRefused(t, srv.RTCURL(tok, "room=b"), nil, http.StatusForbidden)
	if body.Code != auth.CodeWrongRoom {
		t.Errorf("code = %q, want wrong_room", body.Code)
	}
	c := connect(t, srv.RTCURL(tok), protocol.TypeJoin)
	if c.join.Room.Name != "a" {
		t.Errorf("joined room %q, want a", c.join.Room.Name)
	}
	if _, ok := srv.Engine.Room("b"); ok {
		t.Error("room b exists")
	}
}

func TestRoomFullIsRefusedBeforeUpgrade(t *testing.T) {
	srv := servertest.Start(t, servertest.WithMaxParticipants(1))
	connect(t, srv.RTCURL(srv.Token("a", "alice")), protocol.TypeJoin)
	body := dialRefused(t, srv.RTCURL(srv.Token("a", "bob")), nil, http.StatusForbidden)
	if body.Code != protocol.CodeRoomFull {
		t.Errorf("code = %q, want room_full", body.Code)
	}
}
