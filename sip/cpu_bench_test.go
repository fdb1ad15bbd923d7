package sip_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/internal/levelstamp"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// TestSIPCallCPU measures the CPU one call costs the process that runs the
// server and the bridge (as `ensemble serve` with sip: does): N meetings,
// each with a Go client that speaks (a 440 Hz tone with its audio level; with
// video, also an H.264 camera, the 640x360 clip) and subscribes to nothing;
// the process's CPU (user and system, getrusage) over a window with no call,
// then over a window with one baresip call in each meeting (a 1 kHz tone,
// PCMU; with video, baresip's 352x288 H.264 at 15 fps too). The difference
// divided by N is one call's cost: both legs of the bridge with their codecs
// and its room client's WebRTC, and the server's forwarding of the call's
// tracks. baresip runs in processes of its own, not counted. A measure, not a
// test (no bound asserted):
//
//	ENSEMBLE_BENCH_SIP_CALLS=10 ENSEMBLE_BENCH_SECONDS=20 go test -tags sipcodecs -run TestSIPCallCPU -v -count=1 ./sip/
//	ENSEMBLE_BENCH_SIP_VIDEO=1 ENSEMBLE_BENCH_SIP_CALLS=3 ENSEMBLE_BENCH_SECONDS=20 go test -tags sipcodecs -run TestSIPCallCPU -v -count=1 ./sip/
func TestSIPCallCPU(t *testing.T) {
	calls, _ := strconv.Atoi(os.Getenv("ENSEMBLE_BENCH_SIP_CALLS"))
	if calls <= 0 {
		t.Skip("set ENSEMBLE_BENCH_SIP_CALLS (and ENSEMBLE_BENCH_SECONDS, ENSEMBLE_BENCH_SIP_VIDEO) to measure the CPU per call")
	}
	secs, _ := strconv.Atoi(os.Getenv("ENSEMBLE_BENCH_SECONDS"))
	if secs <= 0 {
		secs = 20
	}
	video := os.Getenv("ENSEMBLE_BENCH_SIP_VIDEO") != ""
	needTool(t, "baresip")
	if video {
		needBaresipVideo(t)
	}
	window := time.Duration(secs) * time.Second
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 2*window+2*time.Minute)
	defer cancel()

	numbers := make([]string, calls)
	for i := range calls {
		var room string
		room, numbers[i] = e.meeting(t)
		e.joinSpeaker(t, ctx, room, fmt.Sprintf("speaker-%d", i), video)
	}
	settle := 3 * time.Second // the speakers' and calls' start-up (ICE, key frames) out of the window
	time.Sleep(settle)
	base := measureCPU(window)

	config, kind := "", "audio"
	if video {
		config, kind = videoConfig, "video"
	}
	// baresip hangs up when its file ends: it lasts the window and more.
	wav := filepath.Join(t.TempDir(), "tone.wav")
	if err := writeWAV(wav, 8000, (&tone.Sine{Freq: 1000, Rate: 8000, Amplitude: 8000}).Next(8000*(secs+60))); err != nil {
		t.Fatal(err)
	}
	for _, n := range numbers {
		startBaresipWith(t, wav, "PCMU/8000/1", "Salle "+n,
			fmt.Sprintf("sip:%s@127.0.0.1:%d", n, e.bridge.Addr().Port()), "", config)
	}
	waitFor(t, ctx, fmt.Sprintf("%d calls", calls), func() bool { return e.bridge.Calls() == calls })
	time.Sleep(settle)
	with := measureCPU(window)
	if e.bridge.Calls() != calls {
		t.Fatalf("%d calls left at the end of the window, want %d", e.bridge.Calls(), calls)
	}
	perCall := (with.cores - base.cores) / float64(calls)
	t.Logf("no call: %.1f%% of a core (load average %s)", 100*base.cores, base.load)
	t.Logf("%d %s calls: %.1f%% of a core (load average %s)", calls, kind, 100*with.cores, with.load)
	t.Logf("per %s call: %.2f%% of a core; one core bridges %.0f such calls", kind, 100*perCall, 1/perCall)
}

// cpuUse is the process's CPU over a window, in cores (1 = one core busy),
// and the machine's load average (1, 5 and 15 minutes) at its end.
type cpuUse struct {
	cores float64
	load  string
}

func measureCPU(window time.Duration) cpuUse {
	before, start := processCPU(), time.Now()
	time.Sleep(window)
	used, wall := processCPU()-before, time.Since(start)
	load, _ := os.ReadFile("/proc/loadavg")
	fields := strings.Fields(string(load))
	if len(fields) > 3 {
		fields = fields[:3]
	}
	return cpuUse{cores: used.Seconds() / wall.Seconds(), load: strings.Join(fields, " ")}
}

// processCPU is the user and system CPU time of the whole process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// joinSpeaker joins room as a Go client that speaks until the test ends: a
// 440 Hz tone stamped with a speaking level and, with video, the 640x360
// H.264 clip as its camera. It subscribes to nothing, as a browser far from
// the server costs the server's process nothing but forwarding.
func (e *env) joinSpeaker(t *testing.T, ctx context.Context, room, identity string, video bool) {
	t.Helper()
	var level atomic.Uint32
	level.Store(talking)
	c, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, identity), client.WithAutoSubscribe(false),
		client.WithCodecs(webrtc.MimeTypeOpus, webrtc.MimeTypeH264), client.WithInterceptor(levelstamp.Stamper{Level: &level}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	go func() {
		for range c.Events() {
		}
	}()
	playCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	publishTone(t, playCtx, c, 440)
	if !video {
		return
	}
	h264, err := clip.ParseH264(clips.H264, clips.H264FrameRate)
	if err != nil {
		t.Fatal(err)
	}
	track, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera, MimeType: webrtc.MimeTypeH264,
		Width: patternCamera.width, Height: patternCamera.height})
	if err != nil {
		t.Fatal(err)
	}
	played := make(chan struct{})
	go func() { defer close(played); _ = clienttest.PlayClip(playCtx, track, h264) }()
	t.Cleanup(func() { stop(); <-played })
}
