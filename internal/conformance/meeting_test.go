package conformance_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/conformance"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// meetingSeconds is how long the two participants exchange media.
const meetingSeconds = 30

// meetingResult is what meeting.py prints.
type meetingResult struct {
	VideoFrames int `json:"video_frames"`
	AudioFrames int `json:"audio_frames"`
	Errors      []struct {
		Code, Message string
	} `json:"errors"`
}

// Two aiortc participants, written from PROTOCOL.md, exchange audio and video
// for 30 s: each decodes the other's video at a sane frame rate (aiortc sends
// 30 fps; a paused video gives a few dozen frames) and its audio, and no request
// of theirs is refused. Once as aiortc is (it sends REMB and no transport-cc: the
// server must take REMB as a ceiling, not starve the video, issue 14 defect 1),
// once with no bandwidth feedback at all (the initial estimate holds).
func TestAiortcMeeting(t *testing.T) {
	conformance.Python(t)
	for _, tc := range []struct {
		name   string
		args   []string
		source string // the estimate's source the server must use
	}{
		{"with REMB", nil, "remb"},
		{"without feedback", []string{"--no-remb"}, "initial"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), (meetingSeconds+60)*time.Second)
			defer cancel()
			srv := servertest.Start(t)
			var procs []*conformance.Process
			for _, who := range []string{"alice", "bob"} {
				args := append([]string{"--url", srv.URL, "--token", srv.Token("conformance", who),
					"--seconds", fmt.Sprint(meetingSeconds)}, tc.args...)
				procs = append(procs, conformance.Run(t, ctx, "meeting.py", args...))
			}
			sources := watchEstimates(t, ctx, srv, procs)
			for i, who := range []string{"alice", "bob"} {
				var r meetingResult
				procs[i].Result(t, &r)
				t.Logf("%s received %d video frames and %d audio frames in %d s", who, r.VideoFrames, r.AudioFrames, meetingSeconds)
				if r.VideoFrames < 200 {
					t.Errorf("%s decoded %d video frames in %d s (want at least 200: the video was paused or lost)", who, r.VideoFrames, meetingSeconds)
				}
				if r.AudioFrames < 750 {
					t.Errorf("%s decoded %d audio frames in %d s (want at least 750 of the 1500 sent)", who, r.AudioFrames, meetingSeconds)
				}
				if len(r.Errors) > 0 {
					t.Errorf("%s got errors: %+v", who, r.Errors)
				}
			}
			for who, seen := range sources() {
				if !seen[tc.source] {
					t.Errorf("the server's estimate for %s came from %v, never from %s", who, keys(seen), tc.source)
				}
			}
		})
	}
}

// watchEstimates records, until the processes end, where the server's bandwidth
// estimate of each participant came from ("remb", "twcc", "initial").
func watchEstimates(t *testing.T, ctx context.Context, srv *servertest.Server, procs []*conformance.Process) func() map[string]map[string]bool {
	seen := map[string]map[string]bool{}
	var mu sync.Mutex
	done := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-stop:
				return
			case <-tick.C:
			}
			mu.Lock()
			for _, b := range srv.Engine.BandwidthStats() {
				if seen[b.Identity] == nil {
					seen[b.Identity] = map[string]bool{}
				}
				seen[b.Identity][b.Source] = true
			}
			mu.Unlock()
		}
	}()
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(stop) }); <-done })
	return func() map[string]map[string]bool {
		for _, p := range procs {
			p.Wait()
		}
		once.Do(func() { close(stop) })
		<-done
		mu.Lock()
		defer mu.Unlock()
		return seen
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
