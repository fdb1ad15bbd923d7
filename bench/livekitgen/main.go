// Command livekitgen is the LiveKit side of the side-by-side measurement in BENCHMARKS.md:
// a load generator shaped like `ensemble loadtest`. Its publishers play Ensemble's committed
// VP8 simulcast and Opus clips through LiveKit's Go SDK (from the top of the clip on a
// keyframe request, as the loadtest's publishers do); its subscribers receive everything,
// video on the top layer; over a measured window the server's CPU (utime + stime from
// /proc/PID/stat) is divided by the media packets the subscribers received (padding
// excluded). It is its own module so that Ensemble does not depend on LiveKit's SDK.
//
//	livekitgen -pid $(pidof livekit-server) -publishers 1 -subs 150 -json out.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/loadtest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

var (
	url        = flag.String("url", "ws://127.0.0.1:7880", "LiveKit URL")
	apiKey     = flag.String("key", "devkey", "API key")
	apiSecret  = flag.String("secret", "ensemble-side-by-side-secret-0123456789abcdef", "API secret")
	roomName   = flag.String("room", "bench", "room")
	subs       = flag.Int("subs", 50, "subscribe-only participants")
	publishers = flag.Int("publishers", 1, "publishers (each also subscribes to the others)")
	audioOnly  = flag.Bool("audio-only", false, "publish audio only")
	duration   = flag.Duration("duration", 20*time.Second, "measured window")
	settle     = flag.Duration("settle", 5*time.Second, "wait after the joins before measuring")
	serverPID  = flag.Int("pid", 0, "server process id (CPU and RSS from /proc)")
	jsonOut    = flag.String("json", "", "write the report here")
)

// stream is one received track: loadtest's statistics of every packet it received,
// and how many of those were padding (no payload), which is not media.
type stream struct {
	video   bool
	stats   *loadtest.StreamStats
	padding atomic.Uint64
}

// participant is one joined participant and the tracks it receives.
type participant struct {
	mu      sync.Mutex
	streams []*stream
}

// totals sums what every stream of every participant received so far.
type totals struct {
	media, bytes, received, expected uint64
}

func sum(all []*participant, now time.Time) totals {
	var t totals
	for _, p := range all {
		p.mu.Lock()
		for _, st := range p.streams {
			pad := st.padding.Load() // before the snapshot, which then counts every one of them
			snap := st.stats.Snapshot(now)
			t.media += snap.Received - pad
			t.bytes += snap.Bytes
			t.received += snap.Received
			t.expected += snap.Expected
		}
		p.mu.Unlock()
	}
	return t
}

func main() {
	flag.Parse()
	log.SetOutput(io.Discard) // the SDK logs through the standard logger
	layers, audio := loadClips()

	var all []*participant
	var rooms []*lksdk.Room
	var joinMu sync.Mutex
	join := func(identity string) {
		s := &participant{}
		cb := lksdk.NewRoomCallback()
		cb.OnTrackSubscribed = func(t *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
			video := t.Kind() == webrtc.RTPCodecTypeVideo
			st := &stream{video: video, stats: loadtest.NewStreamStats(video, t.Codec().ClockRate)}
			if video {
				_ = pub.SetVideoQuality(livekit.VideoQuality_HIGH)
			}
			s.mu.Lock()
			s.streams = append(s.streams, st)
			s.mu.Unlock()
			go read(t, st)
		}
		var room *lksdk.Room
		var err error
		for attempt := 0; attempt < 5; attempt++ {
			room, err = lksdk.ConnectToRoom(*url, lksdk.ConnectInfo{APIKey: *apiKey, APISecret: *apiSecret,
				RoomName: *roomName, ParticipantIdentity: identity}, cb)
			if err == nil {
				break
			}
			time.Sleep(time.Second)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "join", identity, err)
			os.Exit(1)
		}
		joinMu.Lock()
		rooms = append(rooms, room)
		all = append(all, s)
		joinMu.Unlock()
	}

	for i := 0; i < *publishers; i++ {
		join(fmt.Sprintf("pub-%d", i))
		publish(rooms[len(rooms)-1], layers, audio)
		time.Sleep(500 * time.Millisecond)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := 0; i < *subs; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			join(fmt.Sprintf("sub-%d", i))
		}()
	}
	wg.Wait()
	time.Sleep(*settle)

	cpu0, gen0 := procCPU(*serverPID), selfCPU()
	t0 := time.Now()
	before := sum(all, t0)
	time.Sleep(*duration)
	cpu1, gen1 := procCPU(*serverPID), selfCPU()
	now := time.Now()
	after := sum(all, now)
	window := now.Sub(t0).Seconds()

	var videoTracks, receivers int
	for _, s := range all {
		s.mu.Lock()
		if len(s.streams) > 0 {
			receivers++
		}
		for _, st := range s.streams {
			if st.video {
				videoTracks++
			}
		}
		s.mu.Unlock()
	}
	packets, bytes := after.media-before.media, after.bytes-before.bytes
	expected, received := after.expected-before.expected, after.received-before.received
	loss := 0.0
	if expected > received {
		loss = 100 * float64(expected-received) / float64(expected)
	}
	rep := map[string]any{
		"server":               "livekit",
		"subscribers":          *subs,
		"publishers":           *publishers,
		"window_s":             window,
		"server_cpu_s":         cpu1 - cpu0,
		"server_core_pct":      100 * (cpu1 - cpu0) / window,
		"packets":              packets,
		"packets_per_s":        float64(packets) / window,
		"server_us_per_packet": 1e6 * (cpu1 - cpu0) / float64(packets),
		"received_mbps":        float64(bytes) * 8 / window / 1e6,
		"per_receiver_kbps":    float64(bytes) * 8 / window / 1e3 / float64(max(receivers, 1)),
		"video_tracks":         videoTracks,
		"loss_pct":             loss,
		"server_rss_mb":        procRSS(*serverPID),
		"generator_core_pct":   100 * (gen1 - gen0) / window,
	}
	out, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Println(string(out))
	if *jsonOut != "" {
		_ = os.WriteFile(*jsonOut, out, 0o644)
	}
	for _, r := range rooms {
		r.Disconnect()
	}
}

// read accounts for every packet of a track until it ends.
func read(t *webrtc.TrackRemote, st *stream) {
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			st.stats.End()
			return
		}
		st.stats.OnPacket(loadtest.PacketInfo{Arrival: time.Now(), SequenceNumber: p.SequenceNumber,
			Timestamp: p.Timestamp, Marker: p.Marker, PayloadBytes: len(p.Payload)})
		if len(p.Payload) == 0 { // counted after OnPacket, so never more than it received
			st.padding.Add(1)
		}
	}
}

func publish(room *lksdk.Room, layers []*clip.Clip, audio *clip.Clip) {
	at, err := lksdk.NewLocalSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
	must(err)
	_, err = room.LocalParticipant.PublishTrack(at, &lksdk.TrackPublicationOptions{Name: "microphone", Source: livekit.TrackSource_MICROPHONE})
	must(err)
	go play(at, audio, nil)
	if *audioOnly {
		return
	}
	qualities := []livekit.VideoQuality{livekit.VideoQuality_LOW, livekit.VideoQuality_MEDIUM, livekit.VideoQuality_HIGH}
	var tracks []*lksdk.LocalTrack
	var restarts []*atomic.Bool
	for i, c := range layers {
		restart := &atomic.Bool{}
		t, err := lksdk.NewLocalSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
			lksdk.WithSimulcast("camera", &livekit.VideoLayer{Quality: qualities[i], Width: uint32(c.Width), Height: uint32(c.Height)}),
			lksdk.WithRTCPHandler(func(p rtcp.Packet) {
				switch p.(type) {
				case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
					restart.Store(true)
				}
			}))
		must(err)
		tracks = append(tracks, t)
		restarts = append(restarts, restart)
	}
	top := layers[len(layers)-1]
	_, err = room.LocalParticipant.PublishSimulcastTrack(tracks, &lksdk.TrackPublicationOptions{Name: "camera",
		Source: livekit.TrackSource_CAMERA, VideoWidth: top.Width, VideoHeight: top.Height})
	must(err)
	for i, t := range tracks {
		go play(t, layers[i], restarts[i])
	}
}

// play writes a clip's frames in a loop at their pace, from the top on a keyframe request.
func play(t *lksdk.LocalTrack, c *clip.Clip, restart *atomic.Bool) {
	loop := c.Loop()
	next := time.Now()
	for {
		if restart != nil && restart.Swap(false) {
			loop.Restart()
		}
		f := loop.Next()
		if err := t.WriteSample(media.Sample{Data: f.Data, Duration: f.Duration}, nil); err != nil {
			if strings.Contains(err.Error(), "closed") {
				return
			}
		}
		next = next.Add(f.Duration)
		time.Sleep(time.Until(next))
	}
}

func loadClips() ([]*clip.Clip, *clip.Clip) {
	var layers []*clip.Clip
	for _, data := range clips.VP8Layers() {
		c, err := clip.ParseIVF(data)
		must(err)
		layers = append(layers, c)
	}
	a, err := clip.ParseOgg(clips.Opus)
	must(err)
	return layers, a
}

// procCPU is a process's user + system CPU seconds.
func procCPU(pid int) float64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	must(err)
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100 // USER_HZ
}

func procRSS(pid int) float64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	must(err)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func selfCPU() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
