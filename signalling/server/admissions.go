package server

import (
	"context"
	"log/slog"
	"time"
)

// Admissions remembers which guests a room admin let in, where every node of a
// cluster reads it (package cluster keeps them in Redis). A room admin's
// decision is about a person, not about one connection to one node: a guest
// admitted on a node that is lost or drained, and who comes back on the room's
// next host, is let in again without knocking.
type Admissions interface {
	RememberAdmission(ctx context.Context, room, identity string) error
	Admitted(ctx context.Context, room, identity string) (bool, error)
	ForgetAdmission(ctx context.Context, room, identity string) error
}

// admissionTimeout bounds a read or write of the admissions: a join waits for it.
const admissionTimeout = 2 * time.Second

// admittedBefore says whether a room admin let identity into room before (false
// without Admissions, or when they cannot be read: the guest then knocks, which
// is safe).
func (s *Server) admittedBefore(ctx context.Context, room, identity string, log *slog.Logger) bool {
	if s.cfg.Admissions == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, admissionTimeout)
	defer cancel()
	ok, err := s.cfg.Admissions.Admitted(ctx, room, identity)
	if err != nil {
		log.Warn("admissions unreadable: the guest knocks", "err", err)
		return false
	}
	if ok {
		log.Info("guest admitted before: joins without knocking")
	}
	return ok
}

// rememberAdmission notes that identity was let into room. A failure is
// logged: the guest is in; only a later join of it would knock again.
func (s *Server) rememberAdmission(room, identity string, log *slog.Logger) {
	if s.cfg.Admissions == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), admissionTimeout)
	defer cancel()
	if err := s.cfg.Admissions.RememberAdmission(ctx, room, identity); err != nil {
		log.Warn("admission not remembered: a later join of this guest will knock again", "err", err)
	}
}
