package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// LobbyWaiting says the client waits in the room's lobby: Join blocks until a room
// admin admits it (Join returns the client) or refuses it (Join returns an *Error
// with code "lobby_refused"), or until Join's ctx ends.
type LobbyWaiting struct {
	Room, Identity, Name string
}

// LobbyGuest is a guest waiting in the lobby, as a room admin sees it.
type LobbyGuest struct {
	Identity, Name string
	Since          time.Time
}

// LobbyKnock tells a room admin that a guest waits (also sent at the join for each
// guest already waiting, and again after a resume: rebuild the list from them).
type LobbyKnock struct{ Guest LobbyGuest }

// LobbyLeft tells a room admin that a guest no longer waits. Reason is "admitted",
// "refused", "cancelled" (the guest went away), "replaced" or "room_closed".
type LobbyLeft struct {
	Guest  LobbyGuest
	Reason string
}

func (LobbyKnock) isEvent() {}
func (LobbyLeft) isEvent()  {}

// WithLobbyWaiting calls f (on Join's goroutine) when the server puts the client in
// the room's lobby; Join then keeps waiting for the decision.
func WithLobbyWaiting(f func(LobbyWaiting)) Option {
	return func(o *options) { o.lobbyWaiting = f }
}

// AdmitGuest lets a guest waiting in the lobby in (needs the room_admin grant; an
// *Error "guest_not_waiting" when nobody with that identity waits).
func (c *Client) AdmitGuest(ctx context.Context, identity string) error {
	return c.decideGuest(ctx, protocol.TypeLobbyAdmit, identity)
}

// RefuseGuest turns a guest waiting in the lobby away.
func (c *Client) RefuseGuest(ctx context.Context, identity string) error {
	return c.decideGuest(ctx, protocol.TypeLobbyRefuse, identity)
}

func (c *Client) decideGuest(ctx context.Context, typ, identity string) error {
	if _, err := c.request(ctx, typ, protocol.LobbyDecisionRequest{Identity: identity}); err != nil {
		return fmt.Errorf("client: %s %q: %w", typ, identity, err)
	}
	return nil
}

// handleLobby turns lobby messages into events.
func (c *Client) handleLobby(typ string, m protocol.LobbyGuestEvent) {
	g := LobbyGuest{Identity: m.Guest.Identity, Name: m.Guest.Name, Since: m.Guest.Since}
	switch typ {
	case protocol.TypeLobbyKnock:
		c.events.push(LobbyKnock{Guest: g})
	case protocol.TypeLobbyLeft:
		c.events.push(LobbyLeft{Guest: g, Reason: m.Reason})
	}
}

// errKnockAgain: the guest's wait in the lobby ended without a decision because
// the connection went (the node holding the lobby was lost) or the node moved
// the room (room_moved). The decision is still to come, on the room's next host:
// Join knocks again there, through the same URL.
var errKnockAgain = errors.New("client: the lobby's connection ended before a decision")

// knockAgainWait is the least wait before knocking again (up to twice it, so
// that the guests of a lost node do not all come back at once).
const knockAgainWait = 500 * time.Millisecond

// errLobbyRead wraps a failed read of the lobby's connection.
var errLobbyRead = errors.New("reading the lobby's connection")

// lobbyLost says whether a lobby wait that returned msg and err ended without a
// decision, and why: the connection failed (not for ctx, nor with a close the
// server explained), or the server said room_moved.
func lobbyLost(ctx context.Context, msg protocol.ServerMessage, err error) (string, bool) {
	switch {
	case ctx.Err() != nil:
		return "", false
	case err != nil:
		// A close the server explained is its answer; anything but a read error
		// (a message it sent that cannot be read) is not a lost connection.
		if closeReason(err) != "" || !errors.Is(err, errLobbyRead) {
			return "", false
		}
		return err.Error(), true
	}
	if cl, ok := msg.Body.(protocol.CloseEvent); ok && cl.Reason == vocab.ReasonRoomMoved {
		return "the room moved to another node", true
	}
	return "", false
}

// waitInLobby runs while the server holds the client in the lobby: it pings as the
// server asked (a silent connection is dropped) and returns the first message that
// is neither a pong nor a notice, normally join, close (lobby_refused) or error.
func (c *Client) waitInLobby(ctx context.Context, ws *websocket.Conn, first protocol.ServerMessage) (protocol.ServerMessage, error) {
	ev, _ := first.Body.(protocol.LobbyWaitingEvent)
	c.log.Info("waiting in the lobby", "room", ev.Room, "identity", ev.Identity)
	if c.opts.lobbyWaiting != nil {
		c.opts.lobbyWaiting(LobbyWaiting{Room: ev.Room, Identity: ev.Identity, Name: ev.Name})
	}
	interval := time.Duration(ev.PingIntervalMS) * time.Millisecond
	if interval <= 0 {
		interval = 10 * time.Second
	}
	pctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stop()
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-pctx.Done():
				return
			case <-t.C:
				b, _ := protocol.Encode(protocol.TypePing, 0, protocol.PingMessage{Timestamp: time.Now().UnixMilli()})
				wctx, cancel := context.WithTimeout(pctx, 5*time.Second)
				err := ws.Write(wctx, websocket.MessageText, b)
				cancel()
				if err != nil {
					return
				}
			}
		}
	})
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			return protocol.ServerMessage{}, fmt.Errorf("%w: %w", errLobbyRead, err)
		}
		msg, err := protocol.DecodeServer(b)
		if err != nil {
			return protocol.ServerMessage{}, err
		}
		switch msg.Type {
		case protocol.TypePong, protocol.TypeAck, protocol.TypeDraining, protocol.TypeLobbyWaiting:
			continue
		}
		return msg, nil
	}
}
