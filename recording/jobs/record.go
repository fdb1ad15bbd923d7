package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ensemble-sfu/ensemble/recording"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// Bounds of a recording's steps.
const (
	joinTimeout    = 30 * time.Second
	composeTimeout = 2 * time.Hour // ffmpeg on a long meeting, on a busy node
	uploadTimeout  = 2 * time.Hour
	ledgerTimeout  = 30 * time.Second
	recorderTTL    = 7 * 24 * time.Hour // the recorder's token outlives any meeting
)

// record runs one recording from the recorder's join to its last file.
func (r *Runner) record(j *job) {
	defer j.requestStop()
	recorded := func() {
		select {
		case <-j.recorded:
		default:
			close(j.recorded)
		}
	}
	defer recorded()
	id, room := j.rec.ID, j.rec.Room
	log := r.log.With("recording", id, "room", room)
	if j.rec.InClusterNode {
		stopRenewing := r.renewWhileRecording(j.rec)
		defer stopRenewing()
	}
	dir := filepath.Join(r.cfg.Dir, id)

	layout := recording.LayoutNone
	if j.rec.Options.Composite && r.composeErr == nil {
		layout = recording.LayoutGrid
		if j.rec.Options.Layout == string(recording.LayoutSpeaker) {
			layout = recording.LayoutSpeaker
		}
		if j.rec.Options.AudioOnly {
			layout = recording.LayoutAudioOnly
		}
	}
	params := recording.TokenParams(room, "recorder-"+id)
	params.TTL = recorderTTL
	token, err := auth.Sign(r.cfg.APIKey, r.cfg.APISecret, params)
	if err != nil {
		r.fail(log, id, fmt.Sprintf("recorder token: %v", err), nil)
		return
	}
	jctx, cancel := context.WithTimeout(context.Background(), joinTimeout)
	rec, err := recording.Start(jctx, recording.Config{URL: r.cfg.URL, Token: token, Dir: dir, Logger: log,
		ClientOptions: r.cfg.ClientOptions, Layout: layout, FFmpeg: r.cfg.FFmpeg})
	cancel()
	if err != nil {
		r.fail(log, id, fmt.Sprintf("the recorder could not join room %s: %v", room, err), partialFiles(dir))
		return
	}
	if _, err := r.set(id, func(x *store.Recording) {
		x.Status, x.StartedAt = store.RecordingRecording, rec.StartedAt().UTC()
		if x.Location == "" { // a queued job, claimed by this worker
			x.Location = r.location(id)
		}
	}); err != nil {
		log.Error("recording: state not stored", "err", err)
	}
	log.Info("recording started")

	select {
	case <-j.stop:
	case <-rec.Done(): // the room closed, or the recorder was removed
	}
	// A stop request is answered once the status has moved past recording.
	if layout != recording.LayoutNone {
		_, _ = r.set(id, func(x *store.Recording) { x.Status = store.RecordingComposing })
		recorded()
	}
	cctx, cancel := context.WithTimeout(context.Background(), composeTimeout)
	m, stopErr := rec.Stop(cctx)
	cancel()
	manifest, readErr := os.ReadFile(filepath.Join(dir, recording.ManifestName))
	if readErr != nil {
		r.fail(log, id, fmt.Sprintf("the recording did not finish: %v", errors.Join(stopErr, readErr)), partialFiles(dir))
		return
	}
	files, composite := filesOf(dir, m), compositeOf(dir, m)
	reason := ""
	switch {
	case j.rec.Options.Composite && r.composeErr != nil:
		reason = "composition unavailable on node " + r.cfg.Node + ": " + r.composeErr.Error()
	case m.CompositeError != "":
		reason = "composition failed: " + m.CompositeError
	}
	if r.cfg.Storage != nil {
		_, _ = r.set(id, func(x *store.Recording) { x.Status = store.RecordingUploading })
		recorded()
		if err := r.upload(id, dir, files, composite); err != nil {
			r.fail(log, id, err.Error(), files)
			return
		}
		// The objects are whole; the local copies are no longer needed.
		if err := os.RemoveAll(dir); err != nil {
			log.Warn("recording: local copies not removed", "err", err)
		}
	}
	_, err = r.set(id, func(x *store.Recording) {
		x.Status, x.Reason, x.EndedAt = store.RecordingComplete, reason, m.EndedAt.UTC()
		x.Files, x.Composite, x.Manifest = files, composite, json.RawMessage(manifest)
	})
	if err != nil {
		log.Error("recording: final state not stored", "err", err)
		return
	}
	log.Info("recording complete", "files", len(files), "reason", reason)
}

// upload stores every file, then the manifest, in r.cfg.Storage, and sets each
// file's ObjectKey (its local Path is cleared: the local copy goes).
func (r *Runner) upload(id, dir string, files []store.RecordingFile, composite *store.RecordingFile) error {
	ctx, cancel := context.WithTimeout(context.Background(), uploadTimeout)
	defer cancel()
	put := func(f *store.RecordingFile) error {
		key, err := r.cfg.Storage.Upload(ctx, id, filepath.Base(f.Path), f.Path)
		if err != nil {
			return fmt.Errorf("upload of %s failed: %w", filepath.Base(f.Path), err)
		}
		f.ObjectKey, f.Path = key, ""
		return nil
	}
	for i := range files {
		if err := put(&files[i]); err != nil {
			return err
		}
	}
	if composite != nil {
		if err := put(composite); err != nil {
			return err
		}
	}
	m := store.RecordingFile{Path: filepath.Join(dir, recording.ManifestName)}
	return put(&m)
}

// set writes a change of the recording's state. A recording failed already
// stays failed, with its reason: another node failed it while this one was
// thought lost (cluster.go), and the change only brings its files up to date.
func (r *Runner) set(id string, change func(x *store.Recording)) (store.Recording, error) {
	ctx, cancel := context.WithTimeout(context.Background(), ledgerTimeout)
	defer cancel()
	return r.cfg.Ledger.Update(ctx, id, func(x *store.Recording) error {
		failed, reason, ended := x.Status == store.RecordingFailed, x.Reason, x.EndedAt
		change(x)
		if failed {
			x.Status, x.Reason, x.EndedAt = store.RecordingFailed, reason, ended
		}
		return nil
	})
}

// fail marks the recording failed with reason, listing what it left.
func (r *Runner) fail(log interface{ Error(string, ...any) }, id, reason string, files []store.RecordingFile) {
	log.Error("recording failed", "reason", reason)
	if files == nil {
		files = []store.RecordingFile{}
	}
	_, err := r.set(id, func(x *store.Recording) {
		x.Status, x.Reason, x.EndedAt, x.Files = store.RecordingFailed, reason, time.Now().UTC(), files
	})
	if err != nil {
		log.Error("recording: failure not stored", "err", err)
	}
}
