package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// A plain GET of /rtc tells a browser what the upgrade would meet: a full room, an
// unavailable resume, a draining server; and 426 when the join would go through.
func TestPreflightReportsWhatTheUpgradeWouldMeet(t *testing.T) {
	srv := servertest.Start(t, servertest.WithMaxParticipants(1))
	alice := connect(t, srv.RTCURL(srv.Token("small", "alice")), protocol.TypeJoin)
	_ = alice
	plain := func(token string, params ...string) string { // the HTTP form of RTCURL
		return "http://" + strings.TrimPrefix(srv.RTCURL(token, params...), "ws://")
	}

	cases := []struct {
		name   string
		url    string
		status int
		code   string
	}{
		{"a second participant in a full room", plain(srv.Token("small", "bob")), http.StatusForbidden, protocol.CodeRoomFull},
		{"the same identity replaces itself", plain(srv.Token("small", "alice")), http.StatusUpgradeRequired, protocol.CodeBadRequest},
		{"another room", plain(srv.Token("other", "bob")), http.StatusUpgradeRequired, protocol.CodeBadRequest},
		{"resume of nobody", plain(srv.Token("small", "alice"), "resume=PA_nobody"), http.StatusGone, protocol.CodeResumeUnavailable},
	}
	for _, tc := range cases {
		status, body := httpGet(t, tc.url)
		if status != tc.status || !strings.Contains(body, `"`+tc.code+`"`) {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, body, tc.status, tc.code)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	go func() { _ = srv.Signalling.Drain(ctx) }()
	eventually(t, "draining", srv.Signalling.Draining)
	if status, body := httpGet(t, plain(srv.Token("other", "carol"))); status != http.StatusServiceUnavailable || !strings.Contains(body, protocol.CodeServerDraining) {
		t.Errorf("while draining: %d %s, want 503 %s", status, body, protocol.CodeServerDraining)
	}
}
