package sip

import (
	"context"
	"errors"
	"sync"

	"github.com/ensemble-sfu/ensemble/signalling/client"
)

// pendingJoin is a room join still waiting in the room's lobby when the call
// was answered: the caller waits on an answered call, as a guest waits on
// the lobby page, instead of ringing until a phone or proxy gives up.
type pendingJoin struct {
	cancel context.CancelFunc
	done   chan struct{} // closed once the join returned; err is then set
	err    error
}

// errLobbyRefused: a room admin refused the caller at the lobby.
var errLobbyRefused = errors.New("sip: refused in the room's lobby")

// joinOrWait joins room; when the server puts the call in the room's lobby
// first, it returns at once with the join left running in c.lobby (run waits
// for it after the answer). A refusal is errLobbyRefused.
func (c *call) joinOrWait(ctx context.Context, room string) error {
	// The join outlives ctx (which ends with the INVITE transaction) once the
	// call waits in the lobby; it ends with the call (waitInLobby, tearDown).
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p := &pendingJoin{cancel: cancel, done: make(chan struct{})}
	waiting := make(chan struct{})
	var once sync.Once
	go func() {
		defer close(p.done)
		p.err = c.joinRoom(jctx, room, client.WithLobbyWaiting(func(client.LobbyWaiting) {
			once.Do(func() { close(waiting) })
		}))
	}()
	select {
	case <-p.done:
		cancel()
		if p.err == nil {
			c.mu.Lock()
			c.log = c.roomLog // before the call's goroutines start
			c.mu.Unlock()
		}
		return p.err
	case <-waiting:
		c.mu.Lock()
		c.lobby = p
		c.mu.Unlock()
		c.log.Info("sip caller waits in the lobby", "room", room)
		return nil
	case <-ctx.Done():
		cancel()
		<-p.done
		return ctx.Err()
	}
}

// waitInLobby waits, on the answered call, for the room admin's decision:
// admitted, the call hears and speaks in the room; refused, it is hung up.
// The caller hears the waiting tone meanwhile, which stops as soon as the
// join returns.
func (c *call) waitInLobby(ctx context.Context, wg *sync.WaitGroup, p *pendingJoin) {
	c.media.playWaitingTone()
	select {
	case <-p.done:
		c.media.stopPrompt()
	case <-ctx.Done():
		p.cancel()
		<-p.done
		return
	}
	if p.err != nil {
		why := "room join failed while in the lobby"
		if errors.Is(p.err, errLobbyRefused) {
			why = "refused in the lobby"
		}
		c.log.Info("sip caller not let in", "err", p.err)
		select {
		case c.hangup <- why:
		default:
		}
		return
	}
	c.mu.Lock()
	log := c.roomLog
	c.mu.Unlock()
	log.Info("sip caller admitted from the lobby")
	c.startRoom(ctx, wg)
}

// abandonLobby ends a join still waiting in the lobby and waits for it.
func (c *call) abandonLobby() {
	c.mu.Lock()
	p := c.lobby
	c.mu.Unlock()
	if p != nil {
		p.cancel()
		<-p.done
	}
}

// lobbyRefusal tells a refusal at the lobby from other join failures.
func lobbyRefusal(err error) error {
	if ce := (*client.Error)(nil); errors.As(err, &ce) && ce.Code == "lobby_refused" {
		return errors.Join(errLobbyRefused, err)
	}
	return err
}
