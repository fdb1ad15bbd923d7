package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// A recording cut short (its process killed, or its node lost and the room's
// next host failing it) leaves its partial files on this node's disk. With an
// object storage configured, nobody would look for them there: the API lists
// recordings by object key. So at its start (Recover) a node moves the partial
// files of its failed recordings to the storage, as it would have moved the
// whole ones, and lists them by object key from then on. It runs in the
// background (the files may be large): a node starting is not held up by it,
// and Close ends it.

// salvagePending reports whether rec is a failed recording of this node whose
// partial files are still only on this node's disk.
func (r *Runner) salvagePending(rec store.Recording) bool {
	if r.cfg.Storage == nil || rec.Status != store.RecordingFailed || rec.Node != r.cfg.Node {
		return false
	}
	for _, f := range rec.Files {
		if f.Partial && f.Path != "" && f.ObjectKey == "" {
			return true
		}
	}
	return false
}

// salvage moves recording id's partial files that are on disk to the storage,
// lists them by object key, and removes the local copies once every one went.
func (r *Runner) salvage(ctx context.Context, id string) error {
	rec, err := r.cfg.Store.GetRecording(ctx, id)
	if err != nil {
		return fmt.Errorf("recording: salvage %s: %w", id, err)
	}
	dir := filepath.Join(r.cfg.Dir, id)
	files := make([]store.RecordingFile, len(rec.Files))
	copy(files, rec.Files)
	moved, left := 0, 0
	for i, f := range files {
		if f.Path == "" || f.ObjectKey != "" {
			continue
		}
		// Only this recording's own directory: a path from the store is not
		// trusted to name anything else on this disk.
		if filepath.Dir(filepath.Clean(f.Path)) != dir {
			left++
			continue
		}
		info, err := os.Stat(f.Path)
		if err != nil {
			left++
			continue
		}
		key, err := r.cfg.Storage.Upload(ctx, id, filepath.Base(f.Path), f.Path)
		if err != nil {
			return fmt.Errorf("recording: salvage %s: upload of %s: %w", id, filepath.Base(f.Path), err)
		}
		// What is on disk: the lost node may have written more after its last
		// lease renewal listed the file.
		files[i].ObjectKey, files[i].Path, files[i].Bytes = key, "", info.Size()
		moved++
	}
	if moved == 0 {
		return nil
	}
	_, err = r.cfg.Ledger.Update(ctx, id, func(x *store.Recording) error {
		x.Files = files
		x.Location = r.cfg.Storage.Location(id)
		x.Reason += "; the partial files were moved to the object storage when the node started again"
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording: salvage %s: %w", id, err)
	}
	if left == 0 {
		if err := os.RemoveAll(dir); err != nil {
			r.log.Warn("recording: local copies of salvaged files not removed", "recording", id, "err", err)
		}
	}
	r.log.Info("recording's partial files moved to the object storage", "recording", id, "room", rec.Room, "files", moved, "left", left)
	return nil
}

// salvageAll salvages ids in the background until done or Close.
func (r *Runner) salvageAll(ids []string) {
	if len(ids) == 0 {
		return
	}
	r.goTracked(func() {
		ctx, cancel := context.WithTimeout(r.bg, uploadTimeout)
		defer cancel()
		for _, id := range ids {
			if err := r.salvage(ctx, id); err != nil {
				if errors.Is(err, context.Canceled) {
					return
				}
				r.log.Error("recording: partial files not moved to the object storage; they stay on this node's disk", "recording", id, "err", err)
			}
		}
	})
}
