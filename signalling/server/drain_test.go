package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestDrainRefusesJoinsTellsClientsAndCloses(t *testing.T) {
	srv := servertest.Start(t)
	alice := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)

	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	drained := make(chan error, 1)
	go func() { drained <- srv.Signalling.Drain(ctx) }()

	d := alice.waitFor(protocol.TypeDraining).Body.(protocol.DrainingEvent)
	if d.DeadlineMS <= 0 || d.DeadlineMS > 700 {
		t.Errorf("draining deadline %d ms, want within (0, 700]", d.DeadlineMS)
	}
	if status, _ := httpGet(t, srv.URL+"/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz while draining = %d, want 503", status)
	}
	if status, _ := httpGet(t, srv.URL+"/healthz"); status != http.StatusOK {
		t.Errorf("/healthz while draining = %d, want 200", status)
	}
	body := dialRefused(t, srv.RTCURL(srv.Token("r", "bob")), nil, http.StatusServiceUnavailable)
	if body.Code != protocol.CodeServerDraining {
		t.Errorf("join while draining: code %q, want server_draining", body.Code)
	}
	cl := alice.waitFor(protocol.TypeClose).Body.(protocol.CloseEvent)
	if cl.Reason != vocab.ReasonServerShutdown {
		t.Errorf("close reason %q, want server_shutdown", cl.Reason)
	}
	select {
	case err := <-drained:
		if err == nil {
			t.Error("Drain returned nil though it had to close a participant")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Drain did not return")
	}
}

func TestDrainEndsEarlyWhenRoomsEmpty(t *testing.T) {
	srv := servertest.Start(t)
	alice := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	drained := make(chan error, 1)
	go func() { drained <- srv.Signalling.Drain(ctx) }()
	alice.waitFor(protocol.TypeDraining)
	alice.send(protocol.TypeLeave, 0, nil)
	select {
	case err := <-drained:
		if err != nil {
			t.Errorf("Drain = %v, want nil (the room emptied)", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Drain did not return after the last participant left")
	}
}

func TestResumeIsAcceptedWhileDraining(t *testing.T) {
	srv := servertest.Start(t, servertest.WithResumeGrace(5*time.Second))
	bob := connect(t, srv.RTCURL(srv.Token("r", "bob")), protocol.TypeJoin)
	bob.answerSubscriberOffer()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	drained := make(chan error, 1)
	go func() { drained <- srv.Signalling.Drain(ctx) }()
	bob.waitFor(protocol.TypeDraining)
	_ = bob.ws.CloseNow()
	time.Sleep(100 * time.Millisecond)
	again := connect(t, srv.RTCURL(srv.Token("r", "bob"), "resume="+bob.join.Participant.SID), protocol.TypeResumed)
	d := again.waitFor(protocol.TypeDraining).Body.(protocol.DrainingEvent)
	if d.DeadlineMS <= 0 || d.DeadlineMS > 3000 {
		t.Errorf("draining deadline after resume: %d ms", d.DeadlineMS)
	}
	again.send(protocol.TypeLeave, 0, nil)
	if err := <-drained; err != nil {
		t.Errorf("Drain = %v, want nil once bob left", err)
	}
}

// A node that hands its rooms to other nodes: BeginDrain refuses joins at once and
// Evacuate closes everyone with room_moved (the client joins again elsewhere);
// Drain then returns nil, the rooms being empty.
func TestEvacuateClosesWithRoomMoved(t *testing.T) {
	srv := servertest.Start(t)
	alice := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	bob := connect(t, srv.RTCURL(srv.Token("r", "bob")), protocol.TypeJoin)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv.Signalling.BeginDrain(ctx)
	if status, _ := httpGet(t, srv.URL+"/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz after BeginDrain = %d, want 503", status)
	}
	body := dialRefused(t, srv.RTCURL(srv.Token("r", "carol")), nil, http.StatusServiceUnavailable)
	if body.Code != protocol.CodeServerDraining {
		t.Errorf("join after BeginDrain: code %q, want server_draining", body.Code)
	}
	srv.Signalling.Evacuate()
	for _, c := range []*testClient{alice, bob} {
		if r := closeReasonOf(t, c); r != vocab.ReasonRoomMoved {
			t.Errorf("close reason %q, want room_moved", r)
		}
	}
	if err := srv.Signalling.Drain(ctx); err != nil {
		t.Errorf("Drain after Evacuate = %v, want nil", err)
	}
}
