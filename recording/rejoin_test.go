package recording_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/recording"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// A publisher that leaves and joins again is a new participant with new
// tracks: its audio goes on in a new file, placed after the first.
func TestRecorderStartsNewFilesForAPublisherWhoRejoins(t *testing.T) {
	r := newRoom(t, "rejoin")
	dir := t.TempDir()
	rec, err := recording.Start(r.ctx, recording.Config{URL: r.srv.URL,
		Token: r.srv.TokenWith(recording.TokenParams(r.name, "recorder")), Dir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	// A room left with nobody but its recorder closes (and its recording
	// ends) after its empty timeout: give it one, as rooms created through the
	// API have, so that alice comes back to the same room.
	live, ok := r.srv.Engine.Room(r.name)
	if !ok {
		t.Fatal("the recorder's room is not live")
	}
	live.SetEmptyTimeout(30 * time.Second)
	opus := parse(t, clip.ParseOgg, clips.Opus)
	var left time.Time
	for round := range 2 {
		alice, _ := r.join("alice")
		mic := r.publish(alice, client.TrackOptions{Source: vocab.SourceMicrophone})
		ctx, stop := context.WithCancel(r.ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = clienttest.PlayClip(ctx, mic, opus) }()
		r.wait(2 * time.Second)
		stop()
		<-done
		if round == 0 {
			if err := alice.Leave(r.ctx); err != nil {
				t.Fatal(err)
			}
			left = time.Now()
			r.wait(500 * time.Millisecond)
		}
	}
	m, err := rec.Stop(r.ctx)
	r.stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 2 {
		t.Fatalf("files %+v, want two", m.Files)
	}
	first, second := m.Files[0], m.Files[1]
	for _, f := range m.Files {
		t.Logf("%s: %s start %v duration %v", f.Path, f.ParticipantSID, f.StartOffset, f.Duration)
		if f.ParticipantIdentity != "alice" || f.Kind != vocab.KindAudio {
			t.Errorf("file %+v", f)
		}
		if e := decodeErrors(t, filepath.Join(dir, f.Path)); e != "" {
			t.Errorf("%s: ffmpeg decoding: %s", f.Path, e)
		}
	}
	if first.ParticipantSID == second.ParticipantSID || first.TrackSID == second.TrackSID {
		t.Errorf("the rejoined alice is the same participant or track: %+v", m.Files)
	}
	leftAt := left.Sub(m.StartedAt)
	if end := first.StartOffset + first.Duration; end > leftAt+100*time.Millisecond || second.StartOffset < leftAt {
		t.Errorf("first file ends at %v, second starts at %v; alice left at %v", end, second.StartOffset, leftAt)
	}
}

func TestStartRefusesBadConfig(t *testing.T) {
	ctx := context.Background()
	if _, err := recording.Start(ctx, recording.Config{URL: "http://127.0.0.1:1", Token: "x"}); !errors.Is(err, recording.ErrNoDir) {
		t.Errorf("no dir: %v", err)
	}
	if _, err := recording.Start(ctx, recording.Config{URL: "http://127.0.0.1:1", Token: "x", Dir: t.TempDir(),
		Layout: "mosaic"}); !errors.Is(err, recording.ErrUnknownLayout) {
		t.Errorf("layout: %v", err)
	}
}
