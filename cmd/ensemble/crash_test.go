package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// The server process is killed with SIGKILL in the middle of a burst of 20 meeting
// creations, 3 times: the store file it leaves holds no meeting without its room
// (checked on the file itself, before any restart could repair it), and a retry of
// every request with its Idempotency-Key on a restarted server gets a meeting whose
// room exists.
func TestMeetingCreationSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	dataDir := t.TempDir()
	port := freePort(t)
	const burst = 20
	for round := range 3 {
		child := startServeProcess(t, port, "--dev", "--data-dir", dataDir)
		c := adminClient(t, child.url)

		// Fire the burst; kill the process once a few creations have answered, so
		// that others are in flight.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		answered := make(chan struct{}, burst)
		var wg sync.WaitGroup
		for i := range burst {
			wg.Go(func() {
				_, _, err := c.CreateMeeting(ctx, meetingRequest(round, i), idemKey(round, i))
				if err == nil {
					answered <- struct{}{}
				}
			})
		}
		for range 3 {
			select {
			case <-answered:
			case <-ctx.Done():
				t.Fatal("no creation answered")
			}
		}
		if err := child.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-child.exited
		wg.Wait()
		cancel()

		// The file as the killed process left it.
		st, err := store.OpenBolt(filepath.Join(dataDir, store.BoltFileName))
		if err != nil {
			t.Fatal(err)
		}
		meetings, err := st.ListMeetings(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range meetings {
			if _, err := st.GetRoom(t.Context(), m.Room); err != nil {
				t.Errorf("round %d: meeting %s has no room %s: %v", round, m.ID, m.Room, err)
			}
		}
		st.Close()
		t.Logf("round %d: %d meetings on file after the kill, none without its room", round, len(meetings))
	}

	// Every request retried on a restarted server finds or makes its meeting, with a room.
	url, stop := startServe(t, port, "--dev", "--data-dir", dataDir)
	defer stop()
	c := adminClient(t, url)
	for round := range 3 {
		for i := range burst {
			m, _, err := c.CreateMeeting(t.Context(), meetingRequest(round, i), idemKey(round, i))
			if err != nil {
				t.Fatalf("retry %d/%d: %v", round, i, err)
			}
			if room, err := c.GetRoom(t.Context(), m.Room); err != nil || !room.Stored {
				t.Fatalf("retry %d/%d: room %s: %+v %v", round, i, m.Room, room, err)
			}
		}
	}
}

func meetingRequest(round, i int) apiwire.CreateMeetingRequest {
	start := time.Date(2030, 1, 1+round, 8+i%10, 0, 0, 0, time.UTC)
	return apiwire.CreateMeetingRequest{Title: fmt.Sprintf("Crash %d/%d", round, i),
		Start: start.Format(time.RFC3339), End: start.Add(time.Hour).Format(time.RFC3339)}
}

func idemKey(round, i int) string { return fmt.Sprintf("crash-%d-%d", round, i) }
