package jobs

import (
	"context"
	"errors"

	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// ParticipantJoined is the sfu hook of auto_record (the server chains it after its
// own): when someone (not a recorder, not hidden) joins a room whose record has
// auto_record and that is not being recorded, a recording of the per-track files
// starts; on a cluster, a recording of the room whose node was lost is first
// continued here (takeOver). The sfu calls hooks synchronously, so the store is read on a goroutine of
// the Runner's. Taking vocab values, not sfu types, keeps the media plane out of the
// record workers that link this package.
func (r *Runner) ParticipantJoined(room vocab.RoomInfo, p vocab.ParticipantInfo) {
	if p.Hidden || p.Kind == vocab.ParticipantRecorder {
		return
	}
	r.goTracked(func() { r.autoRecord(room.Name) })
}

func (r *Runner) autoRecord(room string) {
	ctx, cancel := context.WithTimeout(context.Background(), ledgerTimeout)
	defer cancel()
	// A recording whose node was lost goes on here first (cluster.go); auto_record
	// then finds the room recorded.
	if _, err := r.takeOver(ctx, room); err != nil {
		r.log.Error("recording: a lost node's recording not taken over", "room", room, "err", err)
	}
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
