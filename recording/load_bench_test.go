package recording_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/recording"
	"github.com/ensemble-sfu/ensemble/recording/compose"
	"github.com/ensemble-sfu/ensemble/recording/internal/mediatest"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// TestRecordingLoad measures what recording costs (BENCHMARKS.md): ROOMS rooms
// of 4 participants, each publishing VP8 640x360 and Opus, run for SECONDS
// without recorders, then as long with one Recorder per room; the difference
// of the process's CPU time is the recorders' (their WebRTC receive path, the
// SFU's forwarding to them, and the files). Then one room's files are composed
// (grid MP4) and ffmpeg's CPU time is measured. Every file must decode with no
// error (no loss) and last the recording's length within 1.5 s (a video file
// starts at its first key frame).
//
//	ENSEMBLE_BENCH_ROOMS=4 ENSEMBLE_BENCH_SECONDS=30 go test -run TestRecordingLoad -v -count=1 ./recording/
//
// ENSEMBLE_BENCH_PROCESS=1 runs the recorders in a process of their own;
// ENSEMBLE_BENCH_RECORDER_CPUS=1 then pins that process to core 1 (run the
// test itself under `taskset -c 0` so that the two do not share a core);
// ENSEMBLE_BENCH_PUBLISH_ONLY=1 makes the participants publish without
// subscribing to one another; ENSEMBLE_BENCH_KEEP=DIR keeps the files in DIR.
func TestRecordingLoad(t *testing.T) {
	rooms, _ := strconv.Atoi(os.Getenv("ENSEMBLE_BENCH_ROOMS"))
	if rooms <= 0 {
		t.Skip("set ENSEMBLE_BENCH_ROOMS (and ENSEMBLE_BENCH_SECONDS) to run the recording load measure")
	}
	secs, _ := strconv.Atoi(os.Getenv("ENSEMBLE_BENCH_SECONDS"))
	if secs <= 0 {
		secs = 30
	}
	requireTool(t, "ffmpeg")
	requireTool(t, "ffprobe")
	window := time.Duration(secs) * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 3*window+2*time.Minute)
	defer cancel()
	srv := servertest.Start(t)
	video := parse(t, clip.ParseIVF, clips.VP8Medium)
	audio := parse(t, clip.ParseOgg, clips.Opus)
	// Participants that only publish leave the SFU's core to forward to the
	// recorders, so that many rooms fit beside the recorders on two cores.
	publishOnly := os.Getenv("ENSEMBLE_BENCH_PUBLISH_ONLY") != ""
	var wg sync.WaitGroup
	play, stopPlay := context.WithCancel(ctx)
	defer func() { stopPlay(); wg.Wait() }()
	for r := range rooms {
		for p := range 4 {
			c, err := client.Join(ctx, srv.URL, srv.Token(fmt.Sprintf("load-%d", r), fmt.Sprintf("p%d", p)),
				client.WithAutoSubscribe(!publishOnly))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = c.Close() })
			cam, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera, Width: video.Width, Height: video.Height})
			if err != nil {
				t.Fatal(err)
			}
			mic, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range []struct {
				lt *client.LocalTrack
				c  *clip.Clip
			}{{cam, video}, {mic, audio}} {
				wg.Go(func() {
					for play.Err() == nil {
						_ = clienttest.PlayClip(play, tr.lt, tr.c)
					}
				})
			}
		}
	}
	wait := func(d time.Duration) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			t.Fatal("timed out")
		}
	}
	wait(5 * time.Second) // connections up, bandwidth estimates settled
	base := cpuDuring(window, wait)

	dir := t.TempDir()
	if keep := os.Getenv("ENSEMBLE_BENCH_KEEP"); keep != "" {
		dir = keep // the files stay for a look after the run
	}
	var manifests []recording.Manifest
	var withRec, recorderCPU time.Duration
	var load string
	if os.Getenv("ENSEMBLE_BENCH_PROCESS") != "" {
		// The recorders in a process of their own, as `ensemble record-worker`
		// runs them: their CPU is read from /proc apart from the SFU's.
		var spec recorderSpec
		spec.URL = srv.URL
		for r := range rooms {
			spec.Rooms = append(spec.Rooms, recorderRoom{Dir: filepath.Join(dir, strconv.Itoa(r)),
				Token: srv.TokenWith(recording.TokenParams(fmt.Sprintf("load-%d", r), "recorder"))})
		}
		proc := startRecorderProcess(t, spec)
		wait(3 * time.Second)
		child := procCPU(t, proc.Process.Pid)
		withRec = cpuDuring(window, wait)
		recorderCPU = procCPU(t, proc.Process.Pid) - child
		load = readLoadavg()
		stopRecorderProcess(t, proc)
		for _, room := range spec.Rooms {
			m, err := recording.ReadManifest(room.Dir)
			if err != nil {
				t.Fatal(err)
			}
			manifests = append(manifests, m)
		}
	} else {
		var recs []*recording.Recorder
		for r := range rooms {
			rec, err := recording.Start(ctx, recording.Config{URL: srv.URL, Dir: filepath.Join(dir, strconv.Itoa(r)), Logger: testLogger(t),
				Token: srv.TokenWith(recording.TokenParams(fmt.Sprintf("load-%d", r), "recorder"))})
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, rec)
		}
		wait(3 * time.Second)
		withRec = cpuDuring(window, wait)
		load = readLoadavg()
		for _, rec := range recs {
			m, err := rec.Stop(ctx)
			if err != nil {
				t.Fatal(err)
			}
			manifests = append(manifests, m)
		}
	}
	// No loss: a file has every frame of the time it covers (frames counted by
	// ffprobe against the clips' frame rates), starts within one key frame
	// interval of the recording (the clips cannot answer a key frame request:
	// a video file starts at the clip's next key frame, at most 2 s on) and
	// ends with it.
	frameRate := map[vocab.Kind]float64{
		vocab.KindVideo: float64(len(video.Frames)) / video.Duration().Seconds(),
		vocab.KindAudio: float64(len(audio.Frames)) / audio.Duration().Seconds(),
	}
	tracks, worst := 0, 1.0
	for r, m := range manifests {
		length := m.EndedAt.Sub(m.StartedAt)
		if len(m.Files) != 8 {
			t.Errorf("room %d: %d files, want 8", r, len(m.Files))
		}
		for _, f := range m.Files {
			tracks++
			path := filepath.Join(dir, strconv.Itoa(r), f.Path)
			if msg := decodeErrors(t, path); msg != "" {
				t.Errorf("%s: decode errors: %s", path, msg)
			}
			d := ffprobe(t, path).Duration
			if end := f.StartOffset + d; (end - length).Abs() > 1500*time.Millisecond {
				t.Errorf("%s covers %v to %v of a %v recording", path, f.StartOffset, end, length)
			}
			if f.StartOffset > 2500*time.Millisecond {
				t.Errorf("%s starts %v into the recording", path, f.StartOffset)
			}
			want := d.Seconds() * frameRate[f.Kind]
			got := len(mediatest.Played(t, path))
			worst = min(worst, float64(got)/want)
			if float64(got) < 0.99*want {
				t.Errorf("%s: %d frames in %v, want %.0f: %.1f %% lost", path, got, d, want, 100*(1-float64(got)/want))
			}
		}
	}
	t.Logf("frames in the files: at worst %.2f %% of those the covered time holds", 100*worst)

	perSecond := (withRec - base).Seconds() / window.Seconds()
	t.Logf("rooms %d (4 participants, VP8 640x360 + Opus each), tracks recorded %d, window %v", rooms, tracks, window)
	t.Logf("process CPU: %.3f cores without recorders, %.3f with; recorders' share %.3f cores",
		base.Seconds()/window.Seconds(), withRec.Seconds()/window.Seconds(), perSecond)
	if recorderCPU > 0 {
		// The recorders' own process; the SFU's process grew by its
		// forwarding to them.
		perSecond = recorderCPU.Seconds() / window.Seconds()
		t.Logf("recorder process CPU: %.3f cores (the SFU process's share for forwarding to them: %.3f cores)",
			perSecond, (withRec-base).Seconds()/window.Seconds())
	}
	perTrack := perSecond / float64(tracks)
	t.Logf("load average at the end of the window: %s", load)
	t.Logf("per recorded track: %.2f %% of a core; per 4-participant room: %.2f %%; rooms per core: %.0f",
		100*perTrack, 800*perTrack, 1/(8*perTrack))
	// Composition of the first room, a grid MP4.
	var before, after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &before)
	m := manifests[0]
	out := filepath.Join(t.TempDir(), "composite.mp4")
	composeCtx, cancelCompose := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancelCompose()
	if err := composeGrid(composeCtx, filepath.Join(dir, "0"), m, out); err != nil {
		t.Fatal(err)
	}
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &after)
	composeCPU := rusageCPU(after) - rusageCPU(before)
	minutes := m.EndedAt.Sub(m.StartedAt).Minutes()

	t.Logf("composition (grid MP4, 4 tiles): %.1f s of CPU for %.2f min: %.1f CPU-s per composed minute",
		composeCPU.Seconds(), minutes, composeCPU.Seconds()/minutes)
}

// cpuDuring is the process's CPU time (user + system) over d.
func cpuDuring(d time.Duration, wait func(time.Duration)) time.Duration {
	var a, b syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &a)
	wait(d)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &b)
	return rusageCPU(b) - rusageCPU(a)
}

func rusageCPU(r syscall.Rusage) time.Duration {
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

func readLoadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// composeGrid composes a finished recording's files into a grid MP4, as Stop
// does with LayoutGrid.
func composeGrid(ctx context.Context, dir string, m recording.Manifest, out string) error {
	job := compose.Job{Length: m.EndedAt.Sub(m.StartedAt), Output: out}
	for _, f := range m.Files {
		job.Inputs = append(job.Inputs, compose.Input{Path: filepath.Join(dir, f.Path),
			Video: f.Kind == vocab.KindVideo, Offset: f.StartOffset, Tile: f.ParticipantSID + "/" + string(f.Source)})
	}
	return compose.Run(ctx, job)
}
