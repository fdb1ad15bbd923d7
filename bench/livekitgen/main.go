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

// stream counts one received track's media packets.
type stream struct {
	video   bool
	packets atomic.Uint64 // media: padding excluded
	all     atomic.Uint64 // padding included, for the loss
	bytes   atomic.Uint64
	// expected counts the sequence numbers from the first packet to the highest.
	expected atomic.Uint64
}

type subscriber struct {
	mu      sync.Mutex
	streams []*stream
}

func main() {
	flag.Parse()
	log.SetOutput(io.Discard) // the SDK logs through the standard logger
	layers, audio := loadClips()

	var all []*subscriber
	var rooms []*lksdk.Room
	var joinMu sync.Mutex
	join := func(identity string) *subscriber {
		s := &subscriber{}
		cb := lksdk.NewRoomCallback()
		cb.OnTrackSubscribed = func(t *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
			st := &stream{video: t.Kind() == webrtc.RTPCodecTypeVideo}
			if st.video {
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
		return s
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

	snap := func() (pk, by uint64) {
		for _, s := range all {
			s.mu.Lock()
			for _, st := range s.streams {
				pk += st.packets.Load()
				by += st.bytes.Load()
			}
			s.mu.Unlock()
		}
		return
	}
	seqSnap := func() (expected, received uint64) {
		for _, s := range all {
			s.mu.Lock()
			for _, st := range s.streams {
				expected += st.expected.Load()
				received += st.all.Load()
			}
			s.mu.Unlock()
		}
		return
	}
	cpu0, gen0 := procCPU(*serverPID), selfCPU()
	p0, b0 := snap()
	e0, r0 := seqSnap()
	t0 := time.Now()
	time.Sleep(*duration)
	cpu1, gen1 := procCPU(*serverPID), selfCPU()
	p1, b1 := snap()
	e1, r1 := seqSnap()
	window := time.Since(t0).Seconds()

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
	packets := p1 - p0
	expected, received := e1-e0, r1-r0
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
		"received_mbps":        float64(b1-b0) * 8 / window / 1e6,
		"per_receiver_kbps":    float64(b1-b0) * 8 / window / 1e3 / float64(max(receivers, 1)),
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

// read counts a track's media packets and the sequence numbers it should have seen; a
// padding packet (no payload) takes a sequence number but is not media.
func read(t *webrtc.TrackRemote, st *stream) {
	var cycles uint64
	var first, last uint16
	started := false
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		switch {
		case !started:
			started, first, last = true, p.SequenceNumber, p.SequenceNumber
		case int16(p.SequenceNumber-last) > 0:
			if p.SequenceNumber < last {
				cycles += 1 << 16 // wrapped
			}
			last = p.SequenceNumber
		}
		st.expected.Store(cycles + uint64(last) - uint64(first) + 1)
		st.all.Add(1)
		if len(p.Payload) == 0 {
			continue
		}
		st.packets.Add(1)
		st.bytes.Add(uint64(len(p.Payload)))
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
