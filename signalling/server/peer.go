package server

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// peer is a participant the server holds. It outlives its WebSocket (conn) for the
// resume grace period: a client whose network dropped reconnects with resume=<sid>
// and gets the same participant back, and the others notice nothing.
type peer struct {
	srv      *Server
	part     *sfu.Participant
	room     *sfu.Room
	roomName string
	identity string
	sid      string
	log      *slog.Logger

	mu     sync.Mutex
	conn   *conn       // nil while disconnected
	grace  *time.Timer // runs while disconnected
	expiry *time.Timer // the token's exp
}

// addPeer registers p and watches it until its participant leaves.
func (s *Server) addPeer(p *peer) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		p.part.Close(vocab.ReasonServerShutdown)
		return
	}
	s.peers[p.sid] = p
	s.wg.Add(1)
	s.mu.Unlock()
	go p.watch()
}

// watch forgets the peer when its participant is gone (left, removed, closed).
func (p *peer) watch() {
	defer p.srv.wg.Done()
	<-p.part.Done()
	p.mu.Lock()
	stopTimer(p.grace)
	stopTimer(p.expiry)
	p.mu.Unlock()
	s := p.srv
	s.mu.Lock()
	if s.peers[p.sid] == p {
		delete(s.peers, p.sid)
	}
	s.notifyChanged()
	s.mu.Unlock()
	p.log.Debug("participant gone")
}

// attach makes c the peer's connection (a join or a resume) and arms the token
// expiry for the token c came with. It reports false when c was released already
// (its client went away), in which case c will not report its loss.
func (p *peer) attach(c *conn, claims *auth.Claims) bool {
	p.mu.Lock()
	old := p.conn
	p.conn = c
	stopTimer(p.grace)
	p.grace = nil
	stopTimer(p.expiry)
	p.expiry = nil
	if claims.ExpiresAt != nil {
		part := p.part
		p.expiry = time.AfterFunc(time.Until(claims.ExpiresAt.Time), func() {
			p.log.Info("token expired, closing the session")
			part.Close(vocab.ReasonTokenExpired)
		})
	}
	p.mu.Unlock()
	if old != nil {
		old.end(errReplaced)
	}
	// Bound after p.conn is set: a release from now on finds p and reports the loss.
	return c.bindPeer(p)
}

// connLost starts the resume grace when c was the peer's connection and the
// session did not end on purpose.
func (p *peer) connLost(c *conn, cause error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != c {
		return // replaced by a resume
	}
	p.conn = nil
	select {
	case <-p.part.Done():
		return
	default:
	}
	if c.finished.Load() || errors.Is(cause, errSessionClosed) {
		return
	}
	grace := p.srv.cfg.ResumeGrace
	p.log.Info("connection lost, keeping the participant for a resume", "grace", grace, "cause", cause)
	p.srv.metrics.connectionsLost.Inc()
	part := p.part
	p.grace = time.AfterFunc(grace, func() {
		p.log.Info("resume grace passed, closing the participant")
		part.Close(vocab.ReasonResumeTimeout)
	})
}

// currentConn is the attached connection, or nil.
func (p *peer) currentConn() *conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conn
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}
