package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/loadtest"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// TestRelayHopCost measures what one relay hop costs (docs/cascading.md): two
// `ensemble serve` processes on one real Redis, P publishers (VP8 1280x720
// and Opus, stamped with abs-capture-time) and one subscriber on node A, the
// room's host, and one subscriber on node B, which receives everything
// through B's bridge (far leg from A, near leg into B).
//
//   - Delay: each packet's arrival at the two subscribers (same process, same
//     clock), matched by its abs-capture-time, which crosses the relay; the
//     extra delay of the hop is arrival at B minus arrival at A.
//   - CPU: each server process's user+system time (/proc/<pid>/stat) over a
//     window before B's subscriber joins (no bridge), one while it receives
//     (the bridge relays), and one after it left (B closed its bridge); the
//     CPU with the relay less the mean of the two without, divided by the
//     packets B's SFU received from the bridge in the window
//     (ensemble_sfu_rtp_packets_total{direction="in"} on B, whose only
//     publisher is the bridge), is the CPU per relayed packet on each node.
//     The windows before and after bracket the one with the relay, so that a
//     drift of the machine's load moves the baseline less.
//
// A measure, not a test (no bound asserted); run it without -race:
//
//	ENSEMBLE_BENCH_RELAY_PUBLISHERS=3 ENSEMBLE_BENCH_SECONDS=20 go test -run TestRelayHopCost -v -count=1 ./cmd/ensemble/
//
// ENSEMBLE_BENCH_RELAY_PROFILE=FILE also writes a CPU profile of node-2 taken
// over the window with the relay (go tool pprof -top FILE).
func TestRelayHopCost(t *testing.T) {
	pubs, _ := strconv.Atoi(os.Getenv("ENSEMBLE_BENCH_RELAY_PUBLISHERS"))
	if pubs <= 0 {
		t.Skip("set ENSEMBLE_BENCH_RELAY_PUBLISHERS (and ENSEMBLE_BENCH_SECONDS) to measure the cost of a relay hop")
	}
	secs, _ := strconv.Atoi(os.Getenv("ENSEMBLE_BENCH_SECONDS"))
	if secs <= 0 {
		secs = 20
	}
	window := time.Duration(secs) * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 2*window+2*time.Minute)
	defer cancel()

	redisAddr := storetest.StartRedis(t)
	profile := os.Getenv("ENSEMBLE_BENCH_RELAY_PROFILE")
	pprofAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	var nodes [2]*serveProcess
	for i := range nodes {
		port := freePort(t)
		args := append(clusterNodeArgs(t, redisAddr, fmt.Sprintf("node-%d", i+1), port),
			"--max-participants-per-node", strconv.Itoa(pubs+1))
		if i == 1 && profile != "" {
			args = append(args, "--pprof", pprofAddr)
		}
		nodes[i] = startServeProcess(t, port, args...)
	}
	a, b := nodes[0], nodes[1]
	const room = "relayhop"
	for i := range pubs {
		publishCaptureStamped(t, ctx, a.url, room, fmt.Sprintf("pub-%d", i))
	}
	subA := newDelayRecorder(t, ctx, a.url, room, "sub-a")
	if host := roomNode(t, ctx, a.url, room); host != "node-1" {
		t.Fatalf("the room is hosted on %q, want node-1", host)
	}
	waitFor(t, 30*time.Second, "sub-a receiving every track", func() bool { return subA.tracks() == 2*pubs })

	settle := 3 * time.Second // joins, ICE/DTLS and the first key frames out of the windows
	time.Sleep(settle)
	before := measureNodes(t, window, a, b)

	subB := newDelayRecorder(t, ctx, b.url, room, "sub-b")
	waitFor(t, 30*time.Second, "sub-b receiving every track through the relay", func() bool { return subB.tracks() == 2*pubs })
	if n := relayCount(t, b.url, "in", "node-1"); n != 2*pubs {
		t.Fatalf("node-2 counts %d tracks in from node-1, want %d (sub-b is not on node-2?)", n, 2*pubs)
	}
	time.Sleep(settle)
	subA.record(true)
	subB.record(true)
	profiled := make(chan error, 1)
	if profile != "" {
		go func() { profiled <- saveCPUProfile(pprofAddr, window, profile) }()
	}
	with := measureNodes(t, window, a, b)
	if profile != "" {
		if err := <-profiled; err != nil {
			t.Errorf("profile of node-2: %v", err)
		}
	}
	subA.record(false)
	subB.record(false)
	subB.leave()
	waitFor(t, 30*time.Second, "node-2 closing its bridge", func() bool { return gaugeValue(t, b.url, "ensemble_sfu_participants") == 0 })
	time.Sleep(settle)
	after := measureNodes(t, window, a, b)

	relayed := with.packetsIn[1]
	if relayed == 0 {
		t.Fatal("node-2 received no packet from the bridge in the window")
	}
	t.Logf("load average at the end of each window: before %s; with the relay %s; after %s", before.load, with.load, after.load)
	for i, name := range []string{"node-1 (origin)", "node-2 (satellite)"} {
		base := (before.cores[i] + after.cores[i]) / 2
		t.Logf("%s: %.2f%% of a core before the relay, %.2f%% with it, %.2f%% after; %.1f µs of CPU per relayed packet (%d packets relayed in %s)",
			name, 100*before.cores[i], 100*with.cores[i], 100*after.cores[i],
			(with.cores[i]-base)*with.wall.Seconds()/float64(relayed)*1e6, relayed, with.wall.Round(time.Millisecond))
	}
	for _, kind := range []vocab.Kind{vocab.KindAudio, vocab.KindVideo} {
		var viaA, viaB, extra []time.Duration
		missing := 0
		for key, at := range subA.arrivals(kind) {
			bt, ok := subB.arrival(kind, key)
			if !ok {
				missing++
				continue
			}
			c := captureTimeOf(key)
			viaA, viaB, extra = append(viaA, at.Sub(c)), append(viaB, bt.Sub(c)), append(extra, bt.Sub(at))
		}
		if len(extra) == 0 {
			t.Fatalf("no %s packet reached both subscribers in the window", kind)
		}
		t.Logf("%s: %d packets at both subscribers (%d of sub-a's not at sub-b); publisher to sub-a p50 %s p95 %s, to sub-b p50 %s p95 %s; extra delay of the hop p50 %s p95 %s",
			kind, len(extra), missing, pct(viaA, 50), pct(viaA, 95), pct(viaB, 50), pct(viaB, 95), pct(extra, 50), pct(extra, 95))
	}
}

// publishCaptureStamped joins room as identity and publishes the Opus clip and
// the VP8 1280x720 clip (one layer) until the test ends, every packet stamped
// with abs-capture-time.
func publishCaptureStamped(t *testing.T, ctx context.Context, baseURL, room, identity string) {
	t.Helper()
	c, err := client.Join(ctx, baseURL, participantToken(t, room, identity), client.WithAutoSubscribe(false),
		client.WithLogger(slog.New(slog.DiscardHandler)), client.WithInterceptor(loadtest.CaptureTimeStamper{}))
	if err != nil {
		t.Fatalf("%s joins: %v", identity, err)
	}
	opus, err := clip.ParseOgg(clips.Opus)
	if err != nil {
		t.Fatal(err)
	}
	vp8, err := clip.ParseIVF(clips.VP8High)
	if err != nil {
		t.Fatal(err)
	}
	mic, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
	if err != nil {
		t.Fatal(err)
	}
	cam, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera, Width: 1280, Height: 720})
	if err != nil {
		t.Fatal(err)
	}
	playUntilTestEnds(t, c, map[*client.LocalTrack][]*clip.Clip{mic: {opus}, cam: {vp8}})
}

// saveCPUProfile writes a CPU profile of the server whose profiler listens on
// addr, taken over d, to file.
func saveCPUProfile(addr string, d time.Duration, file string) error {
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, int(d.Seconds())))
	if err != nil {
		return fmt.Errorf("fetch the profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch the profile: HTTP %d", resp.StatusCode)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read the profile: %w", err)
	}
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		return fmt.Errorf("write the profile: %w", err)
	}
	return nil
}

// gaugeValue reads an unlabelled metric of a node's /metrics (0 when absent).
func gaugeValue(t *testing.T, baseURL, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)`).FindStringSubmatch(metricsText(t, baseURL))
	if m == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	return f
}

// delayRecorder is a subscriber that notes, while recording, when each packet
// arrived, by kind and abs-capture-time (as its 64-bit NTP value).
type delayRecorder struct {
	mu        sync.Mutex
	recording bool
	subs      int
	seen      map[vocab.Kind]map[uint64]time.Time
	leave     func() // leaves the room (once)
}

func newDelayRecorder(t *testing.T, ctx context.Context, baseURL, room, identity string) *delayRecorder {
	t.Helper()
	r := &delayRecorder{seen: map[vocab.Kind]map[uint64]time.Time{vocab.KindAudio: {}, vocab.KindVideo: {}}}
	c, err := client.Join(ctx, baseURL, participantToken(t, room, identity), client.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("%s joins: %v", identity, err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case ev := <-c.Events():
				if s, ok := ev.(client.TrackSubscribed); ok {
					r.mu.Lock()
					r.subs++
					r.mu.Unlock()
					wg.Go(func() { r.read(s.Track) })
				}
			}
		}
	})
	r.leave = sync.OnceFunc(func() {
		close(done)
		_ = c.Close()
		wg.Wait()
	})
	t.Cleanup(r.leave)
	return r
}

func (r *delayRecorder) read(rt *client.RemoteTrack) {
	var id uint8
	for _, e := range rt.Receiver.GetParameters().HeaderExtensions {
		if e.URI == loadtest.AbsCaptureTimeURI && e.ID > 0 && e.ID < 256 {
			id = uint8(e.ID)
		}
	}
	kind := rt.Kind()
	for {
		p, err := rt.ReadRTP()
		if err != nil {
			return
		}
		now := time.Now()
		raw := p.Header.GetExtension(id)
		if id == 0 || len(raw) < 8 {
			continue
		}
		key := binary.BigEndian.Uint64(raw)
		r.mu.Lock()
		if _, dup := r.seen[kind][key]; r.recording && !dup {
			r.seen[kind][key] = now
		}
		r.mu.Unlock()
	}
}

func (r *delayRecorder) record(on bool) {
	r.mu.Lock()
	r.recording = on
	r.mu.Unlock()
}

func (r *delayRecorder) tracks() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.subs
}

func (r *delayRecorder) arrivals(kind vocab.Kind) map[uint64]time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.seen[kind])
}

func (r *delayRecorder) arrival(kind vocab.Kind, key uint64) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.seen[kind][key]
	return at, ok
}

// captureTimeOf converts a 64-bit NTP time (32.32 fixed point, seconds since 1900) to a time.
func captureTimeOf(ntp uint64) time.Time {
	const ntpToUnix = 2208988800
	secs := int64(ntp>>32) - ntpToUnix
	nanos := (int64(ntp&0xffffffff) * 1e9) >> 32
	return time.Unix(secs, nanos)
}

// pct is the p-th percentile of d (nearest rank).
func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(i-1, 0)].Round(10 * time.Microsecond)
}

// nodesWindow is each node's CPU over a window, in cores, the packets its SFU
// received from publishers in it, and the load average at its end.
type nodesWindow struct {
	cores     [2]float64
	packetsIn [2]int64
	wall      time.Duration
	load      string
}

func measureNodes(t *testing.T, window time.Duration, nodes ...*serveProcess) nodesWindow {
	t.Helper()
	var w nodesWindow
	var cpu0 [2]time.Duration
	for i, n := range nodes {
		cpu0[i], w.packetsIn[i] = processTicks(t, n.cmd.Process.Pid), packetsIn(t, n.url)
	}
	start := time.Now()
	time.Sleep(window)
	w.wall = time.Since(start)
	for i, n := range nodes {
		used := processTicks(t, n.cmd.Process.Pid) - cpu0[i]
		w.cores[i] = used.Seconds() / w.wall.Seconds()
		w.packetsIn[i] = packetsIn(t, n.url) - w.packetsIn[i]
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fields := strings.Fields(string(load))
	w.load = strings.Join(fields[:min(3, len(fields))], " ")
	return w
}

// processTicks is a process's user and system CPU time, from /proc/<pid>/stat
// (clock ticks of 10 ms).
func processTicks(t *testing.T, pid int) time.Duration {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name (which may hold spaces), from field 3 on.
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, raw)
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return time.Duration(utime+stime) * tick
}

var packetsInRE = regexp.MustCompile(`(?m)^ensemble_sfu_rtp_packets_total\{direction="in"\} (\S+)`)

// packetsIn is ensemble_sfu_rtp_packets_total{direction="in"} of a node.
func packetsIn(t *testing.T, baseURL string) int64 {
	t.Helper()
	m := packetsInRE.FindStringSubmatch(metricsText(t, baseURL))
	if m == nil {
		t.Fatalf("%s/metrics has no ensemble_sfu_rtp_packets_total{direction=\"in\"}", baseURL)
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return int64(f)
}
