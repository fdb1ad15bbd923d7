package jobs_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/internal/s3test"
	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/recording/s3store"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// statusLog is a Ledger that writes to the store and remembers each status
// written, in order.
type statusLog struct {
	jobs.StoreLedger
	mu       sync.Mutex
	statuses []store.RecordingStatus
	// atComplete is whether every file's object existed when complete was written.
	atComplete func(store.Recording) bool
	whole      bool
}

func (l *statusLog) Update(ctx context.Context, id string, update func(*store.Recording) error) (store.Recording, error) {
	rec, err := l.StoreLedger.Update(ctx, id, update)
	if err == nil {
		l.mu.Lock()
		if n := len(l.statuses); n == 0 || l.statuses[n-1] != rec.Status {
			l.statuses = append(l.statuses, rec.Status)
			if rec.Status == store.RecordingComplete && l.atComplete != nil {
				l.whole = l.atComplete(rec)
			}
		}
		l.mu.Unlock()
	}
	return rec, err
}

// waitNoted waits until the ledger has noted status s, and returns the
// statuses noted and whether the objects were whole at complete. The store
// has a status as soon as it is written, a moment before the ledger's Update
// returns and notes it: a test that saw the status through the API must wait
// for the note (seen missing in a loaded run).
func (l *statusLog) waitNoted(e *env, s store.RecordingStatus) (statuses []store.RecordingStatus, whole bool) {
	e.waitFor("the ledger to note "+string(s), func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		statuses, whole = slices.Clone(l.statuses), l.whole
		return slices.Contains(statuses, s)
	})
	return statuses, whole
}

// withLedger makes the runner write through l (a statusLog) to its store.
func withLedger(l *statusLog) func(*jobs.Config) {
	return func(c *jobs.Config) {
		l.StoreLedger = jobs.StoreLedger{Store: c.Store, Webhooks: c.Webhooks}
		c.Ledger = l
	}
}

// A recording kept in S3 (a real versitygw): the status goes through
// uploading to complete, and complete is written only once every object is
// on the server whole; the files are listed by object key, and the local
// copies are gone.
func TestRecordingUploadedToS3(t *testing.T) {
	srv := s3test.Start(t)
	objectPath := func(key string) string { return filepath.Join(srv.Root, srv.Bucket, key) }
	ledger := &statusLog{atComplete: func(rec store.Recording) bool {
		for _, f := range rec.Files {
			if st, err := os.Stat(objectPath(f.ObjectKey)); err != nil || st.Size() != f.Bytes {
				return false
			}
		}
		return len(rec.Files) > 0
	}}
	e := newEnv(t, func(c *jobs.Config) {
		st, err := s3store.New(context.Background(), s3store.Config{Endpoint: srv.Endpoint, Insecure: true,
			Bucket: srv.Bucket, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Prefix: "meetings/"})
		if err != nil {
			t.Fatal(err)
		}
		c.Storage = st
		ledger.StoreLedger = jobs.StoreLedger{Store: c.Store, Webhooks: c.Webhooks}
		c.Ledger = ledger
	})
	if _, err := e.admin.CreateRoom(e.ctx, apiwire.CreateRoomRequest{Name: "archive"}); err != nil {
		t.Fatal(err)
	}
	e.speak("archive", "alice")
	rec, err := e.admin.StartRecording(e.ctx, "archive", apiwire.StartRecordingRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Location != "s3://recordings/meetings/"+rec.ID {
		t.Fatalf("location %q", rec.Location)
	}
	e.waitStatus(rec.ID, store.RecordingRecording)
	e.waitRecorded(rec.ID, 4<<10)
	if _, err := e.admin.StopRecording(e.ctx, "archive", rec.ID); err != nil {
		t.Fatal(err)
	}
	done := e.waitStatus(rec.ID, store.RecordingComplete)
	statuses, whole := ledger.waitNoted(e, store.RecordingComplete)
	want := []store.RecordingStatus{store.RecordingRecording, store.RecordingUploading, store.RecordingComplete}
	if !slices.Equal(statuses, want) || !whole {
		t.Fatalf("statuses %v (want %v), objects whole at complete: %v", statuses, want, whole)
	}
	if len(done.Files) != 1 {
		t.Fatalf("files %+v", done.Files)
	}
	f := done.Files[0]
	if f.Path != "" || !strings.HasPrefix(f.ObjectKey, "meetings/"+rec.ID+"/") || !strings.HasSuffix(f.ObjectKey, ".ogg") {
		t.Fatalf("file %+v, want an object key and no local path", f)
	}
	b, err := os.ReadFile(objectPath(f.ObjectKey))
	if err != nil || int64(len(b)) != f.Bytes || !bytes.HasPrefix(b, []byte("OggS")) {
		t.Fatalf("object %s: %d bytes, %v", f.ObjectKey, len(b), err)
	}
	if _, err := os.Stat(objectPath("meetings/" + rec.ID + "/manifest.json")); err != nil {
		t.Fatalf("no manifest object: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, rec.ID)); !os.IsNotExist(err) {
		t.Fatalf("the local copies remain: %v", err)
	}
}

// Credentials that stop working between the start and the upload (a rotated
// key) fail the recording with the storage's reason, and its files stay on
// disk, listed, never reported complete.
func TestRecordingFailsClearlyWhenS3RefusesTheUpload(t *testing.T) {
	srv := s3test.Start(t)
	e := newEnv(t, func(c *jobs.Config) {
		st, _ := s3store.New(context.Background(), s3store.Config{Endpoint: srv.Endpoint, Insecure: true,
			Bucket: srv.Bucket, AccessKey: srv.AccessKey, SecretKey: "rotated-away", MinBackoff: time.Millisecond})
		c.Storage = st
	})
	if _, err := e.admin.CreateRoom(e.ctx, apiwire.CreateRoomRequest{Name: "denied"}); err != nil {
		t.Fatal(err)
	}
	e.speak("denied", "alice")
	rec, err := e.admin.StartRecording(e.ctx, "denied", apiwire.StartRecordingRequest{})
	if err != nil {
		t.Fatal(err)
	}
	e.waitStatus(rec.ID, store.RecordingRecording)
	e.waitRecorded(rec.ID, 4<<10)
	if _, err := e.admin.StopRecording(e.ctx, "denied", rec.ID); err != nil {
		t.Fatal(err)
	}
	failed := e.waitStatus(rec.ID, store.RecordingFailed)
	if !strings.Contains(failed.Reason, "upload") || !strings.Contains(failed.Reason, "access refused") ||
		len(failed.Files) != 1 || failed.Files[0].Path == "" {
		t.Fatalf("failed recording %+v", failed)
	}
	if _, err := os.Stat(failed.Files[0].Path); err != nil {
		t.Fatalf("the local file is gone: %v", err)
	}
	evs := e.hooks.recordingEvents()
	e.waitFor("recording_failed webhook", func() bool {
		evs = e.hooks.recordingEvents()
		return len(evs) > 0 && evs[len(evs)-1].Type == jobs.RecordingFailed
	})
}

// With an object storage, the partial files a node's cut-short recordings left
// on its disk are moved there when the node starts again: those of a
// recording its crash interrupted (Recover marks it failed), and those of one
// the room's next host failed while the node was lost. They are then listed by
// object key, and the local copies are gone.
func TestRecoverMovesPartialFilesToObjectStorage(t *testing.T) {
	srv := s3test.Start(t)
	ctx := t.Context()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := t.TempDir()
	now := time.Now().UTC()
	write := func(id string, size int) string {
		t.Helper()
		p := filepath.Join(dir, id, "alice-microphone-TR_1-1.ogg")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.Repeat([]byte{'o'}, size), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("RC_crashed", 2000)
	lostPath := write("RC_lost", 3000)
	for _, r := range []store.Recording{
		{ID: "RC_crashed", Room: "a", Status: store.RecordingRecording, Node: "node-1", CreatedAt: now},
		{ID: "RC_lost", Room: "b", Status: store.RecordingFailed, Node: "node-1", CreatedAt: now, Reason: "interrupted while recording: node node-1 was lost",
			Files: []store.RecordingFile{{Path: lostPath, Kind: "audio", Bytes: 2500, Partial: true}}},
	} {
		if err := st.CreateRecording(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	storage, err := s3store.New(ctx, s3store.Config{Endpoint: srv.Endpoint, Insecure: true,
		Bucket: srv.Bucket, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Prefix: "meetings/"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := jobs.New(jobs.Config{Store: st, Dir: dir, Node: "node-1", Storage: storage, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	if failed, err := r.Recover(ctx); err != nil || !slices.Equal(failed, []string{"RC_crashed"}) {
		t.Fatalf("recovered %v, %v", failed, err)
	}
	for id, size := range map[string]int64{"RC_crashed": 2000, "RC_lost": 3000} {
		var rec store.Recording
		deadline := time.Now().Add(30 * time.Second)
		for {
			if rec, err = st.GetRecording(ctx, id); err == nil && len(rec.Files) == 1 && rec.Files[0].ObjectKey != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: files not moved to the storage within 30 s: %+v, %v", id, rec, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		f := rec.Files[0]
		if rec.Status != store.RecordingFailed || !f.Partial || f.Path != "" || f.Bytes != size || !strings.HasPrefix(f.ObjectKey, "meetings/"+id+"/") ||
			rec.Location != "s3://recordings/meetings/"+id || !strings.Contains(rec.Reason, "moved to the object storage") {
			t.Errorf("%s after the restart: %+v", id, rec)
		}
		obj, err := os.Stat(filepath.Join(srv.Root, srv.Bucket, f.ObjectKey))
		if err != nil || obj.Size() != size {
			t.Errorf("%s: the object: %v, %v; want %d bytes", id, obj, err, size)
		}
		deadline = time.Now().Add(10 * time.Second)
		for {
			if _, err := os.Stat(filepath.Join(dir, id)); os.IsNotExist(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the local copies remain", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
