package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// clusterAdmissions keeps the lobby's admissions in the cluster (server.Admissions):
// a guest let in on a node that is lost or drained comes back on the room's next
// host without knocking. The signalling server is made before the node joins the
// cluster; until then nothing is remembered and every guest knocks.
type clusterAdmissions struct {
	clus *joinedCluster
	log  *slog.Logger
	wg   sync.WaitGroup
}

func (a *clusterAdmissions) RememberAdmission(ctx context.Context, room, identity string) error {
	if c := a.clus.Load(); c != nil {
		return c.RememberAdmission(ctx, room, identity)
	}
	return nil
}

func (a *clusterAdmissions) Admitted(ctx context.Context, room, identity string) (bool, error) {
	if c := a.clus.Load(); c != nil {
		return c.Admitted(ctx, room, identity)
	}
	return false, nil
}

func (a *clusterAdmissions) ForgetAdmission(ctx context.Context, room, identity string) error {
	if c := a.clus.Load(); c != nil {
		return c.ForgetAdmission(ctx, room, identity)
	}
	return nil
}

// withForgottenOnRemoval chains, after h's, the hook that forgets the admission
// of a participant a room admin removed (through the API or over /rtc): if it
// comes back, it knocks. The sfu calls hooks synchronously, under its room's
// lock, so the write to Redis runs on a goroutine of a's (waited for by close).
func (a *clusterAdmissions) withForgottenOnRemoval(h sfu.Hooks) sfu.Hooks {
	left := h.ParticipantLeft
	h.ParticipantLeft = func(room vocab.RoomInfo, p vocab.ParticipantInfo, reason vocab.CloseReason) {
		if left != nil {
			left(room, p, reason)
		}
		if reason != vocab.ReasonRemoved || a.clus.Load() == nil {
			return
		}
		a.wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := a.ForgetAdmission(ctx, room.Name, p.Identity); err != nil {
				a.log.Warn("a removed guest's admission not forgotten: it may come back without knocking",
					"room", room.Name, "participant", p.Identity, "err", err)
			}
		})
	}
	return h
}

// close waits for the admissions being forgotten.
func (a *clusterAdmissions) close() { a.wg.Wait() }
