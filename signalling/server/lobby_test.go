package server_test

import (
	"context"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/lobby"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// startWithLobby runs a server with a bbolt store holding rooms (name -> lobby on)
// and a lobby.
func startWithLobby(t *testing.T, rooms map[string]bool, opts ...servertest.Option) (*servertest.Server, *lobby.Lobby, store.Store) {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "rooms.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for name, on := range rooms {
		if err := st.PutRoom(context.Background(), store.Room{Name: name, SID: "RM_" + name, Lobby: on, GuestPolicy: store.GuestAllow}); err != nil {
			t.Fatal(err)
		}
	}
	lob := lobby.New(lobby.Config{})
	t.Cleanup(lob.Close)
	srv := servertest.Start(t, append([]servertest.Option{
		servertest.WithServerConfig(func(c *server.Config) { c.Store, c.Lobby = st, lob }),
	}, opts...)...)
	return srv, lob, st
}

// closeReasonOf reads until the close message (pongs and notices before it are
// skipped) and returns its reason.
func closeReasonOf(t *testing.T, c *testClient) vocab.CloseReason {
	t.Helper()
	for {
		msg := c.next()
		if msg.Type == protocol.TypeClose {
			return msg.Body.(protocol.CloseEvent).Reason
		}
	}
}

// A guest in a lobby room waits with its WebSocket open: pings are answered, other
// requests refused with not_admitted. A room admin joins without waiting, hears the
// knock and refuses; the guest's session ends with lobby_refused.
func TestLobbyGuestWaitsAndIsRefused(t *testing.T) {
	srv, _, _ := startWithLobby(t, map[string]bool{"r": true})
	guest := connect(t, srv.RTCURL(srv.Token("r", "guest")), protocol.TypeLobbyWaiting)
	want := protocol.LobbyWaitingEvent{Room: "r", Identity: "guest", Name: "guest", PingIntervalMS: server.DefaultPingInterval.Milliseconds()}
	if got := guest.first.Body.(protocol.LobbyWaitingEvent); got != want {
		t.Errorf("lobby_waiting = %+v, want %+v", got, want)
	}

	guest.send(protocol.TypePing, 1, protocol.PingMessage{Timestamp: 42})
	if pong := guest.next(); pong.Type != protocol.TypePong || pong.ReqID != 1 || pong.Body.(protocol.PingMessage).Timestamp != 42 {
		t.Fatalf("ping while waiting: %+v", pong)
	}
	guest.send(protocol.TypeMute, 2, protocol.MuteRequest{TrackSID: "TR_x", Muted: true})
	if e := guest.next(); e.Type != protocol.TypeError || e.ReqID != 2 || e.Body.(protocol.ErrorMessage).Code != protocol.CodeNotAdmitted {
		t.Fatalf("request while waiting: %+v", e)
	}
	// Waiting is not being in the room: nobody sees the guest, the room need not exist.
	if _, ok := srv.Engine.Room("r"); ok {
		t.Error("a waiting guest opened the live room")
	}

	// Recorders are no guests.
	connect(t, srv.RTCURL(srv.Token("r", "rec", "join", "subscribe", "hidden")), protocol.TypeJoin)

	admin := connect(t, srv.RTCURL(srv.Token("r", "admin", "join", "subscribe", "room_admin")), protocol.TypeJoin)
	knock := admin.waitFor(protocol.TypeLobbyKnock).Body.(protocol.LobbyGuestEvent)
	if knock.Guest.Identity != "guest" || knock.Guest.Name != "guest" || knock.Guest.Since.IsZero() {
		t.Errorf("knock = %+v", knock)
	}
	admin.send(protocol.TypeLobbyRefuse, 3, protocol.LobbyDecisionRequest{Identity: "nobody"})
	if e := admin.waitFor(protocol.TypeError); e.ReqID != 3 || e.Body.(protocol.ErrorMessage).Code != protocol.CodeGuestNotWaiting {
		t.Errorf("refusing nobody: %+v", e)
	}
	admin.send(protocol.TypeLobbyRefuse, 4, protocol.LobbyDecisionRequest{Identity: "guest"})
	if ack := admin.waitFor(protocol.TypeAck); ack.ReqID != 4 {
		t.Errorf("refuse answered %+v", ack)
	}
	if left := admin.waitFor(protocol.TypeLobbyLeft).Body.(protocol.LobbyGuestEvent); left.Reason != "refused" {
		t.Errorf("lobby_left = %+v", left)
	}
	if r := closeReasonOf(t, guest); r != vocab.ReasonLobbyRefused {
		t.Errorf("guest closed with %q, want lobby_refused", r)
	}
}

// A waiting guest that pings is kept past three ping intervals; one that falls silent
// is dropped like any session, and leaves the lobby.
func TestLobbyGuestKeptWhilePinging(t *testing.T) {
	srv, lob, _ := startWithLobby(t, map[string]bool{"r": true}, servertest.WithPingInterval(200*time.Millisecond))
	guest := connect(t, srv.RTCURL(srv.Token("r", "guest")), protocol.TypeLobbyWaiting)
	for range 5 {
		time.Sleep(200 * time.Millisecond)
		guest.send(protocol.TypePing, 0, protocol.PingMessage{})
	}
	if n := len(lob.Waiting("r")); n != 1 {
		t.Fatalf("%d waiting after a second of pings, want 1", n)
	}
	eventually(t, "silent guest dropped from the lobby", func() bool { return len(lob.Waiting("r")) == 0 })
}

// Only room admins decide, and only where a lobby exists.
func TestLobbyDecisionsNeedRoomAdmin(t *testing.T) {
	srv, _, _ := startWithLobby(t, map[string]bool{"open": false})
	p := connect(t, srv.RTCURL(srv.Token("open", "alice")), protocol.TypeJoin)
	p.send(protocol.TypeLobbyAdmit, 1, protocol.LobbyDecisionRequest{Identity: "x"})
	e := p.waitFor(protocol.TypeError)
	if msg := e.Body.(protocol.ErrorMessage); e.ReqID != 1 || msg.Code != protocol.CodePermissionDenied {
		t.Errorf("lobby_admit by a participant: %+v", e)
	}
}

// A guest that leaves while waiting gets its ack and close client_left; the admin
// hears it left (cancelled).
func TestLobbyGuestLeavesWhileWaiting(t *testing.T) {
	srv, lob, _ := startWithLobby(t, map[string]bool{"r": true})
	admin := connect(t, srv.RTCURL(srv.Token("r", "admin", "join", "room_admin")), protocol.TypeJoin)
	guest := connect(t, srv.RTCURL(srv.Token("r", "guest")), protocol.TypeLobbyWaiting)
	admin.waitFor(protocol.TypeLobbyKnock)
	guest.send(protocol.TypeLeave, 7, nil)
	if ack := guest.next(); ack.Type != protocol.TypeAck || ack.ReqID != 7 {
		t.Fatalf("leave while waiting answered %+v", ack)
	}
	if r := closeReasonOf(t, guest); r != vocab.ReasonClientLeft {
		t.Errorf("close reason %q, want client_left", r)
	}
	if left := admin.waitFor(protocol.TypeLobbyLeft).Body.(protocol.LobbyGuestEvent); left.Reason != lobby.ReasonCancelled {
		t.Errorf("lobby_left = %+v", left)
	}
	eventually(t, "lobby empty", func() bool { return len(lob.Waiting("r")) == 0 })
}

// The wait ends with the room (deleted through the API: room_deleted), with a second
// knock of the same identity (duplicate_identity) and with the server (server_shutdown).
func TestLobbyWaitEndsWithRoomIdentityOrServer(t *testing.T) {
	srv, lob, _ := startWithLobby(t, map[string]bool{"r": true})

	g1 := connect(t, srv.RTCURL(srv.Token("r", "g1")), protocol.TypeLobbyWaiting)
	eventually(t, "g1 waiting", func() bool { return len(lob.Waiting("r")) == 1 })
	lob.CloseRoom("r")
	if r := closeReasonOf(t, g1); r != vocab.ReasonRoomDeleted {
		t.Errorf("room closed: reason %q, want room_deleted", r)
	}

	g2 := connect(t, srv.RTCURL(srv.Token("r", "g2")), protocol.TypeLobbyWaiting)
	eventually(t, "g2 waiting", func() bool { return len(lob.Waiting("r")) == 1 })
	g2again := connect(t, srv.RTCURL(srv.Token("r", "g2")), protocol.TypeLobbyWaiting)
	if r := closeReasonOf(t, g2); r != vocab.ReasonDuplicateIdentity {
		t.Errorf("second knock: first closed with %q, want duplicate_identity", r)
	}

	// A drain tells waiting guests too; with no participant in the rooms it is over
	// at once, and the server's Close ends the wait.
	dctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Signalling.Drain(dctx); err != nil {
		t.Errorf("Drain with only a guest waiting: %v", err)
	}
	if d := g2again.waitFor(protocol.TypeDraining).Body.(protocol.DrainingEvent); d.DeadlineMS <= 0 {
		t.Errorf("draining deadline %d ms", d.DeadlineMS)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Signalling.Close() }()
	if r := closeReasonOf(t, g2again); r != vocab.ReasonServerShutdown {
		t.Errorf("server closed: reason %q, want server_shutdown", r)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return with a guest waiting")
	}
}

// Without its room record the server cannot tell whether the room has a lobby: the
// join is refused (503) rather than let a guest past the lobby.
func TestJoinRefusedWhenRoomRecordUnreadable(t *testing.T) {
	srv, _, st := startWithLobby(t, map[string]bool{"r": true})
	st.Close() // a closed store answers every read with ErrClosed
	body := dialRefused(t, srv.RTCURL(srv.Token("r", "guest")), nil, http.StatusServiceUnavailable)
	if body.Code != protocol.CodeInternal {
		t.Errorf("code %q, want internal_error", body.Code)
	}
}

// A room admin who resumes hears the whole queue again (lobby_knock for each guest
// still waiting), so it can rebuild its list; the old connection's subscription ends.
func TestLobbyAdminHearsQueueAgainAfterResume(t *testing.T) {
	srv, _, _ := startWithLobby(t, map[string]bool{"r": true}, servertest.WithResumeGrace(5*time.Second))
	admin := connect(t, srv.RTCURL(srv.Token("r", "admin", "join", "subscribe", "room_admin")), protocol.TypeJoin)
	connect(t, srv.RTCURL(srv.Token("r", "guest")), protocol.TypeLobbyWaiting)
	admin.waitFor(protocol.TypeLobbyKnock)

	sid := admin.join.Participant.SID
	_ = admin.ws.CloseNow() // the network drops
	again := connect(t, srv.RTCURL(srv.Token("r", "admin", "join", "subscribe", "room_admin"), "resume="+sid), protocol.TypeResumed)
	if k := again.waitFor(protocol.TypeLobbyKnock).Body.(protocol.LobbyGuestEvent); k.Guest.Identity != "guest" {
		t.Errorf("knock after resume = %+v", k)
	}
	again.send(protocol.TypeLobbyAdmit, 5, protocol.LobbyDecisionRequest{Identity: "guest"})
	// The admitted guest's participant_joined and the ack come from two goroutines:
	// either may arrive first.
	for {
		msg := again.next()
		if msg.Type == protocol.TypeParticipantJoined || msg.Type == protocol.TypeOffer || msg.Type == protocol.TypeTrickle {
			continue
		}
		if msg.Type != protocol.TypeAck || msg.ReqID != 5 {
			t.Fatalf("admit after resume answered %s %+v", msg.Type, msg)
		}
		return
	}
}

// A token with skip_lobby enters a lobby room without knocking (the phone a
// room admin had the SIP bridge call), and decides nothing for others: it
// hears no knocks and may not admit.
func TestLobbySkippedWithTheGrant(t *testing.T) {
	srv, lob, _ := startWithLobby(t, map[string]bool{"r": true})
	phone := connect(t, srv.RTCURL(srv.Token("r", "phone", "join", "subscribe", "skip_lobby")), protocol.TypeJoin)
	if n := len(lob.Waiting("r")); n != 0 {
		t.Fatalf("%d waiting, want none", n)
	}
	connect(t, srv.RTCURL(srv.Token("r", "guest")), protocol.TypeLobbyWaiting)
	phone.send(protocol.TypeLobbyAdmit, 1, protocol.LobbyDecisionRequest{Identity: "guest"})
	e := phone.waitFor(protocol.TypeError)
	if msg := e.Body.(protocol.ErrorMessage); e.ReqID != 1 || msg.Code != protocol.CodePermissionDenied {
		t.Errorf("lobby_admit by a skip_lobby participant: %+v", e)
	}
}

// A node handing its rooms to others (Evacuate, a drain on a cluster) tells a
// guest waiting in a lobby room_moved, not server_shutdown: its client knocks
// again through the same address and waits on the room's next host.
func TestEvacuateTellsWaitingGuestsTheRoomMoved(t *testing.T) {
	srv, lob, _ := startWithLobby(t, map[string]bool{"r": true})
	g := connect(t, srv.RTCURL(srv.Token("r", "g")), protocol.TypeLobbyWaiting)
	eventually(t, "g waiting", func() bool { return len(lob.Waiting("r")) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Signalling.BeginDrain(ctx)
	srv.Signalling.Evacuate()
	if r := closeReasonOf(t, g); r != vocab.ReasonRoomMoved {
		t.Errorf("evacuated: a waiting guest told %q, want room_moved", r)
	}
	eventually(t, "the guest no longer waiting", func() bool { return len(lob.Waiting("r")) == 0 })
}

// admissionSet is an in-memory server.Admissions (the cluster's, on Redis, is
// exercised by cmd/ensemble's TestClusterNodeLossKeepsTheLobbyState).
type admissionSet struct {
	mu  sync.Mutex
	set map[string]bool // room + "\x00" + identity
}

func (a *admissionSet) RememberAdmission(_ context.Context, room, identity string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.set[room+"\x00"+identity] = true
	return nil
}

func (a *admissionSet) Admitted(_ context.Context, room, identity string) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.set[room+"\x00"+identity], nil
}

func (a *admissionSet) ForgetAdmission(_ context.Context, room, identity string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.set, room+"\x00"+identity)
	return nil
}

// With Admissions, a guest a room admin let in is remembered: when it joins
// again (its node was lost; here its session simply ended) it comes in
// without knocking. Another guest still knocks.
func TestAdmittedGuestJoinsAgainWithoutKnocking(t *testing.T) {
	adm := &admissionSet{set: map[string]bool{}}
	srv, lob, _ := startWithLobby(t, map[string]bool{"r": true},
		servertest.WithServerConfig(func(c *server.Config) { c.Admissions = adm }))
	admin := connect(t, srv.RTCURL(srv.Token("r", "admin", "join", "subscribe", "room_admin")), protocol.TypeJoin)
	guest := connect(t, srv.RTCURL(srv.Token("r", "guest")), protocol.TypeLobbyWaiting)
	eventually(t, "guest waiting", func() bool { return len(lob.Waiting("r")) == 1 })
	admin.send(protocol.TypeLobbyAdmit, 1, protocol.LobbyDecisionRequest{Identity: "guest"})
	guest.waitFor(protocol.TypeJoin)
	if ok, _ := adm.Admitted(context.Background(), "r", "guest"); !ok {
		t.Fatal("the admission was not remembered")
	}
	guest.send(protocol.TypeLeave, 0, nil)
	closeReasonOf(t, guest)

	connect(t, srv.RTCURL(srv.Token("r", "guest")), protocol.TypeJoin)
	connect(t, srv.RTCURL(srv.Token("r", "other")), protocol.TypeLobbyWaiting)
}
