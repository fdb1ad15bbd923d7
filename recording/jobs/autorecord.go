package jobs

import (
	"context"
	"errors"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Hooks returns next with ParticipantJoined extended: when someone (not a
// recorder, not hidden) joins a room whose record has auto_record and that is
// not being recorded, a recording of the per-track files starts. The sfu calls
// hooks synchronously, so the store is read on a goroutine of the Runner's.
func (r *Runner) Hooks(next sfu.Hooks) sfu.Hooks {
	joined := next.ParticipantJoined
	next.ParticipantJoined = func(room vocab.RoomInfo, p vocab.ParticipantInfo) {
		if joined != nil {
			joined(room, p)
		}
		if p.Hidden || p.Kind == vocab.ParticipantRecorder {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.closed {
			return
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.autoRecord(room.Name)
		}()
	}
	return next
}

func (r *Runner) autoRecord(room string) {
	ctx, cancel := context.WithTimeout(context.Background(), ledgerTimeout)
	defer cancel()
	rec, err := r.cfg.Store.GetRoom(ctx, room)
	if err != nil || !rec.AutoRecord {
		return
	}
	got, err := r.Start(ctx, room, store.RecordingOptions{})
	switch {
	case err == nil:
		r.log.Info("auto_record: recording started", "room", room, "recording", got.ID)
	case errors.Is(err, ErrAlreadyRecording), errors.Is(err, ErrClosed):
	default:
		r.log.Error("auto_record: recording not started", "room", room, "err", err)
	}
}
