package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestJoinGivesTheRoomState(t *testing.T) {
	srv := servertest.Start(t, servertest.WithResumeGrace(3*time.Second))
	alice := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	connect(t, srv.RTCURL(srv.Token("r", "recorder", "join", "subscribe", "hidden")), protocol.TypeJoin)
	bob := connect(t, srv.RTCURL(srv.Token("r", "bob")), protocol.TypeJoin)

	j := bob.join
	if j.Protocol != protocol.Version || j.Room.Name != "r" || j.Participant.Identity != "bob" || j.Participant.SID == "" {
		t.Errorf("join = %+v", j)
	}
	if j.ResumeGraceMS != 3000 || j.PingIntervalMS <= 0 {
		t.Errorf("resume grace %d ms, ping interval %d ms", j.ResumeGraceMS, j.PingIntervalMS)
	}
	if len(j.Others) != 1 || j.Others[0].Identity != "alice" {
		t.Errorf("others = %+v, want alice only (the hidden recorder is not listed)", j.Others)
	}
	got := alice.waitFor(protocol.TypeParticipantJoined).Body.(protocol.ParticipantEvent)
	if got.Participant.Identity != "bob" {
		t.Errorf("alice heard %q join, want bob", got.Participant.Identity)
	}
}

func TestBadMessagesGetErrorsAndTheSessionContinues(t *testing.T) {
	srv := servertest.Start(t)
	c := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	tests := []struct {
		raw   string
		code  string
		reqID uint32
	}{
		{`this is not json`, protocol.CodeMalformedMessage, 0},
		{`{"type":"teleport","req_id":11}`, protocol.CodeUnknownType, 11},
		{`{"type":"offer","req_id":12,"data":{"sdp":42}}`, protocol.CodeMalformedMessage, 12},
		{`{"type":"add_track","req_id":13,"data":{"cid":"x","kind":"audio","source":"camera"}}`, protocol.CodeInvalidArgument, 13},
		{`{"type":"mute","req_id":14,"data":{"track_sid":"TR_nope","muted":true}}`, protocol.CodeTrackNotFound, 14},
		{`{"type":"offer","req_id":15,"data":{"sdp":"v=0 but not really"}}`, protocol.CodeInvalidSDP, 15},
	}
	for _, tc := range tests {
		c.sendRaw(tc.raw)
		msg := c.waitFor(protocol.TypeError)
		e := msg.Body.(protocol.ErrorMessage)
		if e.Code != tc.code || msg.ReqID != tc.reqID || e.Message == "" {
			t.Errorf("%s -> error %+v req %d, want code %s req %d", tc.raw, e, msg.ReqID, tc.code, tc.reqID)
		}
	}
	c.send(protocol.TypePing, 99, protocol.PingMessage{Timestamp: 1234})
	pong := c.waitFor(protocol.TypePong)
	if pong.ReqID != 99 || pong.Body.(protocol.PingMessage).Timestamp != 1234 {
		t.Errorf("pong = %+v", pong)
	}
}

func TestPublishPermissionsAreEnforcedAndNamed(t *testing.T) {
	srv := servertest.Start(t)
	tok := srv.TokenWith(auth.TokenParams{Identity: "cam-only", Room: "r", TTL: time.Hour, Grants: auth.Grants{
		Join: true, Publish: true, Subscribe: true, Sources: []string{"camera", "microphone"},
	}})
	c := connect(t, srv.RTCURL(tok), protocol.TypeJoin)

	c.send(protocol.TypeAddTrack, 1, protocol.AddTrackRequest{ClientID: "screen", Kind: vocab.KindVideo, Source: vocab.SourceScreenShare})
	msg := c.waitFor(protocol.TypeError)
	e := msg.Body.(protocol.ErrorMessage)
	if msg.ReqID != 1 || e.Code != protocol.CodePermissionDenied || !strings.Contains(e.Message, "screen_share") {
		t.Errorf("screen share: %+v req %d, want permission_denied naming screen_share", e, msg.ReqID)
	}

	c.send(protocol.TypeAddTrack, 2, protocol.AddTrackRequest{ClientID: "cam", Kind: vocab.KindVideo, Source: vocab.SourceCamera})
	msg = c.waitFor(protocol.TypeTrackPublished)
	tp := msg.Body.(protocol.TrackPublishedEvent)
	if msg.ReqID != 2 || tp.ClientID != "cam" || tp.Track.SID == "" || tp.ParticipantSID != c.join.Participant.SID {
		t.Errorf("track_published = %+v req %d", tp, msg.ReqID)
	}

	c.send(protocol.TypeSendData, 3, protocol.SendDataRequest{Kind: vocab.DataReliable, Payload: []byte("hi")})
	msg = c.waitFor(protocol.TypeError)
	if e := msg.Body.(protocol.ErrorMessage); msg.ReqID != 3 || e.Code != protocol.CodePermissionDenied || !strings.Contains(e.Message, "publish_data") {
		t.Errorf("send_data: %+v req %d, want permission_denied naming publish_data", e, msg.ReqID)
	}
}

func TestDataReachesTheOthers(t *testing.T) {
	srv := servertest.Start(t)
	alice := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	bob := connect(t, srv.RTCURL(srv.Token("r", "bob")), protocol.TypeJoin)
	alice.waitFor(protocol.TypeParticipantJoined)
	alice.send(protocol.TypeSendData, 7, protocol.SendDataRequest{Kind: vocab.DataReliable, Topic: "chat", Payload: []byte("hello")})
	if ack := alice.waitFor(protocol.TypeAck); ack.ReqID != 7 {
		t.Errorf("ack req %d, want 7", ack.ReqID)
	}
	d := bob.waitFor(protocol.TypeData).Body.(protocol.DataEvent)
	if string(d.Payload) != "hello" || d.Topic != "chat" || d.FromIdentity != "alice" {
		t.Errorf("bob got %+v", d)
	}
}

func TestLeaveClosesWithClientLeft(t *testing.T) {
	srv := servertest.Start(t)
	alice := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	bob := connect(t, srv.RTCURL(srv.Token("r", "bob")), protocol.TypeJoin)
	alice.waitFor(protocol.TypeParticipantJoined)
	bob.send(protocol.TypeLeave, 5, nil)
	bob.waitFor(protocol.TypeAck)
	if cl := bob.waitFor(protocol.TypeClose).Body.(protocol.CloseEvent); cl.Reason != vocab.ReasonClientLeft {
		t.Errorf("close reason %q, want client_left", cl.Reason)
	}
	left := alice.waitFor(protocol.TypeParticipantLeft).Body.(protocol.ParticipantLeftEvent)
	if left.Participant.Identity != "bob" || left.Reason != vocab.ReasonClientLeft {
		t.Errorf("alice heard %+v", left)
	}
	eventually(t, "bob forgotten", func() bool { return srv.Signalling.Sessions() == 1 })
}

func TestTokenExpiryClosesTheSession(t *testing.T) {
	srv := servertest.Start(t)
	tok := srv.TokenWith(auth.TokenParams{Identity: "alice", Room: "r", Grants: auth.DefaultParticipantGrants(), TTL: 1500 * time.Millisecond})
	c := connect(t, srv.RTCURL(tok), protocol.TypeJoin)
	for {
		msg, err := c.read(5 * time.Second)
		if err != nil {
			t.Fatalf("no close before the read failed: %v", err)
		}
		if msg.Type == protocol.TypeClose {
			if r := msg.Body.(protocol.CloseEvent).Reason; r != vocab.ReasonTokenExpired {
				t.Errorf("close reason %q, want token_expired", r)
			}
			return
		}
	}
}

func TestHealthReadyAndMetrics(t *testing.T) {
	srv := servertest.Start(t)
	connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	if status, _ := httpGet(t, srv.URL+"/healthz"); status != 200 {
		t.Errorf("/healthz = %d", status)
	}
	if status, _ := httpGet(t, srv.URL+"/readyz"); status != 200 {
		t.Errorf("/readyz = %d", status)
	}
	status, body := httpGet(t, srv.URL+"/metrics")
	for _, want := range []string{"ensemble_signalling_joins_total 1", "ensemble_signalling_participants 1", "go_goroutines", "ensemble_sfu_rooms 1", "ensemble_sfu_udp_datagrams_sent_total", "ensemble_sfu_udp_send_messages_total", "ensemble_sfu_udp_send_calls_total", "ensemble_sfu_udp_send_errors_total"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %q", status, want)
		}
	}
}

func TestMountedRootDoesNotShadowTheServer(t *testing.T) {
	srv := servertest.Start(t, servertest.WithHandler("/", func(*servertest.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	}))
	if status, _ := httpGet(t, srv.URL+"/some-room"); status != http.StatusTeapot {
		t.Errorf("/some-room = %d, want the mounted handler", status)
	}
	if status, _ := httpGet(t, srv.URL+"/healthz"); status != http.StatusOK {
		t.Errorf("/healthz = %d, want the server's", status)
	}
	connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
}
