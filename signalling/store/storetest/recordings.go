package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/store"
)

func sampleRecording(id, room string, created time.Time) store.Recording {
	return store.Recording{ID: id, Room: room, Status: store.RecordingStarting, CreatedAt: created,
		Options: store.RecordingOptions{Composite: true, Layout: "grid"}, Files: []store.RecordingFile{}}
}

func testRecordings(t *testing.T, ctx context.Context, s store.Store) {
	_, err := s.GetRecording(ctx, "RC_none")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.CreateRecording(ctx, store.Recording{Room: "a"}), store.ErrInvalid)

	must(t, s.CreateRecording(ctx, sampleRecording("RC_2", "b", baseTime.Add(time.Minute))))
	must(t, s.CreateRecording(ctx, sampleRecording("RC_1", "a", baseTime)))
	must(t, s.CreateRecording(ctx, sampleRecording("RC_3", "a", baseTime.Add(2*time.Minute))))
	wantErr(t, s.CreateRecording(ctx, sampleRecording("RC_1", "a", baseTime)), store.ErrConflict)

	got, err := s.UpdateRecording(ctx, "RC_1", func(r *store.Recording) error {
		r.Status = store.RecordingComplete
		r.Files = append(r.Files, store.RecordingFile{Path: "RC_1/a.ogg", Kind: "audio", Codec: "opus", Bytes: 42, Duration: time.Second})
		r.Manifest = []byte(`{"room":"a"}`)
		return nil
	})
	must(t, err)
	if got.Status != store.RecordingComplete || len(got.Files) != 1 {
		t.Fatalf("updated %+v", got)
	}
	again, err := s.GetRecording(ctx, "RC_1")
	must(t, err)
	if again.Status != store.RecordingComplete || len(again.Files) != 1 || again.Files[0].Bytes != 42 ||
		string(again.Manifest) != `{"room":"a"}` || !again.CreatedAt.Equal(baseTime) {
		t.Fatalf("read back %+v", again)
	}
	_, err = s.UpdateRecording(ctx, "RC_1", func(r *store.Recording) error { r.Room = "b"; return nil })
	wantErr(t, err, store.ErrInvalid)
	_, err = s.UpdateRecording(ctx, "RC_none", func(*store.Recording) error { return nil })
	wantErr(t, err, store.ErrNotFound)
	stop := errors.New("no change")
	_, err = s.UpdateRecording(ctx, "RC_1", func(*store.Recording) error { return stop })
	wantErr(t, err, stop)

	all, err := s.ListRecordings(ctx, "")
	must(t, err)
	if ids := recordingIDs(all); ids != "RC_1 RC_2 RC_3" {
		t.Fatalf("all recordings %s, want oldest first", ids)
	}
	inA, err := s.ListRecordings(ctx, "a")
	must(t, err)
	if ids := recordingIDs(inA); ids != "RC_1 RC_3" {
		t.Fatalf("room a's recordings %s", ids)
	}
	none, err := s.ListRecordings(ctx, "c")
	must(t, err)
	if none == nil || len(none) != 0 {
		t.Fatalf("room c's recordings %v, want an empty list", none)
	}
}

// Record workers claim a queued recording by setting its Node when it has
// none: of many concurrent claims exactly one wins.
func testRecordingClaim(t *testing.T, ctx context.Context, s store.Store) {
	must(t, s.CreateRecording(ctx, sampleRecording("RC_q", "a", baseTime)))
	errTaken := errors.New("claimed by another")
	const workers = 8
	var wg sync.WaitGroup
	wins := make(chan string, workers)
	for i := range workers {
		wg.Go(func() {
			name := fmt.Sprintf("worker-%d", i)
			_, err := s.UpdateRecording(ctx, "RC_q", func(r *store.Recording) error {
				if r.Node != "" {
					return errTaken
				}
				r.Node = name
				return nil
			})
			if err == nil {
				wins <- name
			} else if !errors.Is(err, errTaken) {
				t.Errorf("claim: %v", err)
			}
		})
	}
	wg.Wait()
	close(wins)
	var winners []string
	for w := range wins {
		winners = append(winners, w)
	}
	got, err := s.GetRecording(ctx, "RC_q")
	must(t, err)
	if len(winners) != 1 || got.Node != winners[0] {
		t.Fatalf("winners %v, stored node %q", winners, got.Node)
	}
}

func recordingIDs(recs []store.Recording) string {
	var s string
	for i, r := range recs {
		if i > 0 {
			s += " "
		}
		s += r.ID
	}
	return s
}
