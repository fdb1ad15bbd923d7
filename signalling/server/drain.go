package server

import (
	"context"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Drain shuts the server down gracefully: /readyz turns 503, new joins are refused
// (503 server_draining), connected clients get a draining message with the time
// left, and Drain waits until every participant has left or ctx is done (its
// deadline is the drain timeout). Then the remaining participants are closed with
// reason server_shutdown, and Drain returns once their close messages went out (or
// a short time passed). Resumes are still accepted while draining, so a client
// whose network blips keeps its session until the end. Drain returns ctx's error
// when participants had to be closed, nil when the rooms emptied by themselves.
func (s *Server) Drain(ctx context.Context) error {
	s.BeginDrain(ctx)
	for {
		s.mu.Lock()
		n := len(s.peers)
		changed := s.changed
		s.mu.Unlock()
		if n == 0 {
			s.log.Info("drained: every participant left")
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			s.closeAll(vocab.ReasonServerShutdown)
			return ctx.Err()
		}
	}
}

// BeginDrain is the start of Drain, without the wait: /readyz turns 503, new joins
// are refused and connected clients get a draining message (once: a later
// BeginDrain or Drain sends none). It returns once joins are refused, so that a
// caller may then move the rooms elsewhere (Evacuate) knowing none comes back here.
func (s *Server) BeginDrain(ctx context.Context) {
	s.mu.Lock()
	if s.draining {
		s.mu.Unlock()
		return
	}
	s.draining = true
	deadline, _ := ctx.Deadline()
	s.drainDeadline = deadline
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	s.log.Info("draining: refusing new joins", "participants", s.Sessions(), "deadline", deadline)
	for _, c := range conns {
		s.sendDrainingNotice(c)
	}
}

// Evacuate closes every participant with reason room_moved: its client joins again
// through the same URL, at once, and lands on the node that hosts the room now. The
// caller has freed the rooms' placements first (several nodes); guests waiting in
// a lobby are sent away too and knock again there.
func (s *Server) Evacuate() {
	s.closeAll(vocab.ReasonRoomMoved)
}

// closeAll closes every participant and waits briefly for the close messages.
func (s *Server) closeAll(reason vocab.CloseReason) {
	s.mu.Lock()
	peers := s.peerList()
	s.mu.Unlock()
	s.log.Info("closing the remaining participants", "participants", len(peers), "reason", reason)
	cause := errServerClosing
	if reason == vocab.ReasonRoomMoved {
		cause = errRoomMoving
	}
	s.endLobbyWaits(cause)
	closePeers(peers, reason)
	s.waitConns(2 * time.Second)
}

// sendDrainingNotice tells c's client the server is draining, when it is.
func (s *Server) sendDrainingNotice(c *conn) {
	s.mu.Lock()
	draining, deadline := s.draining, s.drainDeadline
	s.mu.Unlock()
	if !draining {
		return
	}
	var left int64
	if !deadline.IsZero() {
		left = max(time.Until(deadline).Milliseconds(), 0)
	}
	c.send(outMsg{typ: protocol.TypeDraining, data: protocol.DrainingEvent{DeadlineMS: left}})
}
