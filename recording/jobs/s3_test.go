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
