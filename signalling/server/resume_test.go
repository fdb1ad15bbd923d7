package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestResumeWithinGraceKeepsTheParticipant(t *testing.T) {
	srv := servertest.Start(t, servertest.WithResumeGrace(5*time.Second))
	alice := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	bob := connect(t, srv.RTCURL(srv.Token("r", "bob")), protocol.TypeJoin)
	alice.waitFor(protocol.TypeParticipantJoined)
	sid := bob.join.Participant.SID
	bob.answerSubscriberOffer()

	_ = bob.ws.CloseNow() // the network drops
	time.Sleep(100 * time.Millisecond)
	again := connect(t, srv.RTCURL(srv.Token("r", "bob"), "resume="+sid), protocol.TypeResumed)
	if again.join.Participant.SID != sid {
		t.Errorf("resumed as %q, want %q", again.join.Participant.SID, sid)
	}
	if len(again.join.Others) != 1 || again.join.Others[0].Identity != "alice" {
		t.Errorf("resumed others = %+v", again.join.Others)
	}
	if offer := again.waitFor(protocol.TypeOffer).Body.(protocol.SDPMessage); !offer.ICERestart {
		t.Error("the subscriber offer after a resume does not restart ICE")
	}
	alice.expectNone(300*time.Millisecond, protocol.TypeParticipantLeft, protocol.TypeParticipantJoined)

	// The resumed session works.
	again.send(protocol.TypePing, 3, protocol.PingMessage{Timestamp: 1})
	if pong := again.waitFor(protocol.TypePong); pong.ReqID != 3 {
		t.Errorf("pong req %d", pong.ReqID)
	}
}

func TestResumeAfterGraceIsRefused(t *testing.T) {
	srv := servertest.Start(t, servertest.WithResumeGrace(200*time.Millisecond))
	alice := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	bob := connect(t, srv.RTCURL(srv.Token("r", "bob")), protocol.TypeJoin)
	alice.waitFor(protocol.TypeParticipantJoined)
	sid := bob.join.Participant.SID
	_ = bob.ws.CloseNow()

	left := alice.waitFor(protocol.TypeParticipantLeft).Body.(protocol.ParticipantLeftEvent)
	if left.Participant.SID != sid || left.Reason != vocab.ReasonResumeTimeout {
		t.Errorf("alice heard %+v, want bob leaving with resume_timeout", left)
	}
	body := dialRefused(t, srv.RTCURL(srv.Token("r", "bob"), "resume="+sid), nil, http.StatusGone)
	if body.Code != protocol.CodeResumeUnavailable {
		t.Errorf("code %q, want resume_unavailable", body.Code)
	}
}

func TestResumeNeedsTheSameIdentity(t *testing.T) {
	srv := servertest.Start(t, servertest.WithResumeGrace(5*time.Second))
	bob := connect(t, srv.RTCURL(srv.Token("r", "bob")), protocol.TypeJoin)
	_ = bob.ws.CloseNow()
	body := dialRefused(t, srv.RTCURL(srv.Token("r", "mallory"), "resume="+bob.join.Participant.SID), nil, http.StatusGone)
	if body.Code != protocol.CodeResumeUnavailable {
		t.Errorf("code %q, want resume_unavailable", body.Code)
	}
}

func TestSilentClientIsDroppedThenTimesOut(t *testing.T) {
	srv := servertest.Start(t, servertest.WithPingInterval(100*time.Millisecond), servertest.WithResumeGrace(200*time.Millisecond))
	alice := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	bob := connect(t, srv.RTCURL(srv.Token("r", "bob")), protocol.TypeJoin)
	_ = bob
	// alice keeps pinging; bob says nothing, so after 3 intervals he is dropped and
	// after the grace he leaves.
	deadline := time.Now().Add(5 * time.Second)
	lastPing := time.Time{}
	for time.Now().Before(deadline) {
		if time.Since(lastPing) > 30*time.Millisecond {
			alice.send(protocol.TypePing, 0, protocol.PingMessage{})
			lastPing = time.Now()
		}
		msg, err := alice.read(30 * time.Millisecond)
		if err != nil {
			continue
		}
		if msg.Type == protocol.TypeParticipantLeft {
			if r := msg.Body.(protocol.ParticipantLeftEvent).Reason; r != vocab.ReasonResumeTimeout {
				t.Errorf("bob left with %q, want resume_timeout", r)
			}
			return
		}
	}
	t.Fatal("silent bob never left")
}

// A client whose network drops before it answered the subscriber offer must be
// able to resume too (the usual case: the drop happens while joining).
func TestResumeWithAnUnansweredSubscriberOffer(t *testing.T) {
	srv := servertest.Start(t, servertest.WithResumeGrace(5*time.Second))
	bob := connect(t, srv.RTCURL(srv.Token("r", "bob")), protocol.TypeJoin)
	first := bob.waitFor(protocol.TypeOffer).Body.(protocol.SDPMessage)
	_ = bob.ws.CloseNow()
	time.Sleep(100 * time.Millisecond)
	again := connect(t, srv.RTCURL(srv.Token("r", "bob"), "resume="+bob.join.Participant.SID), protocol.TypeResumed)
	// The offer still waiting for its answer comes again as it was (its ICE restart
	// follows once it is answered): the client that never saw it can answer it now.
	// (Its candidates may have been gathered since: the ICE credentials tell it apart.)
	offer := again.waitFor(protocol.TypeOffer).Body.(protocol.SDPMessage)
	if got, want := iceUfrag(offer.SDP), iceUfrag(first.SDP); got == "" || got != want {
		t.Errorf("after the resume the offer has ICE ufrag %q, want the unanswered offer's %q", got, want)
	}
}

func iceUfrag(sdp string) string {
	for _, line := range strings.Split(sdp, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=ice-ufrag:"); ok {
			return v
		}
	}
	return ""
}
