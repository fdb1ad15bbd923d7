package sip_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/internal/levelstamp"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Levels of RFC 6464 (-dBov): the room's speaker detector takes 45 and under
// as speech.
const (
	talking uint32 = 20
	silent  uint32 = 127
)

// roomCamera is what a Go client in a room publishes as its H.264 camera: a
// clip and its size.
type roomCamera struct {
	h264          []byte
	width, height int
}

var (
	patternCamera = roomCamera{clips.H264, 640, 360} // a test pattern
	redCamera     = roomCamera{readFile("testdata/clips/red-320x240.h264"), 320, 240}
)

func readFile(name string) []byte {
	b, err := os.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// joinWithCamera joins room as identity, publishing cam's clip as an H.264
// camera (looped, and from its key frame again when one is asked) until the
// test ends (or the client is closed). With a level, it also publishes a
// 440 Hz microphone whose packets carry that audio level. It drops what it
// receives.
func (e *env) joinWithCamera(t *testing.T, ctx context.Context, room, identity string, cam roomCamera, level *atomic.Uint32) *client.Client {
	t.Helper()
	c, _ := e.joinWithCameraTrack(t, ctx, room, identity, cam, level)
	return c
}

// joinWithCameraTrack is joinWithCamera that also returns the camera track.
func (e *env) joinWithCameraTrack(t *testing.T, ctx context.Context, room, identity string, cam roomCamera, level *atomic.Uint32) (*client.Client, *client.LocalTrack) {
	t.Helper()
	opts := []client.Option{client.WithCodecs(webrtc.MimeTypeOpus, webrtc.MimeTypeH264)}
	if level != nil {
		opts = append(opts, client.WithInterceptor(levelstamp.Stamper{Level: level}))
	}
	c, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, identity), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	go func() {
		for ev := range c.Events() {
			if sub, ok := ev.(client.TrackSubscribed); ok {
				sub.Track.Discard()
			}
		}
	}()
	h264, err := clip.ParseH264(cam.h264, clips.H264FrameRate)
	if err != nil {
		t.Fatal(err)
	}
	track, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera, MimeType: webrtc.MimeTypeH264, Width: cam.width, Height: cam.height})
	if err != nil {
		t.Fatal(err)
	}
	playCtx, stopPlay := context.WithCancel(ctx)
	played := make(chan struct{})
	go func() { defer close(played); _ = clienttest.PlayClip(playCtx, track, h264) }()
	t.Cleanup(func() { stopPlay(); <-played })
	if level != nil {
		publishTone(t, playCtx, c, 440)
	}
	return c, track
}

// snapshots has a baresip in a call save the next picture it decodes, when
// asked, through its console (module cons, on a UDP port of its own).
type snapshots struct {
	ua   *baresip
	cons *net.UDPConn
	n    int
}

// snapshotConfig is the baresip configuration that lets snapshots reach its
// console at port.
func snapshotConfig(port int) string {
	return fmt.Sprintf("module cons.so\ncons_listen 127.0.0.1:%d\n", port)
}

func newSnapshots(t *testing.T, ua *baresip, port int) *snapshots {
	t.Helper()
	conn, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &snapshots{ua: ua, cons: conn}
}

// take has baresip save the next frame it decodes and returns it. The
// command goes again every second until the picture is written: a datagram
// sent before baresip's console listens is lost.
func (s *snapshots) take(t *testing.T, ctx context.Context) image.Image {
	t.Helper()
	s.n++
	file := filepath.Join(s.ua.dir, fmt.Sprintf("snapshot-%d.png", s.n))
	var sent time.Time
	waitFor(t, ctx, "baresip's snapshot "+file, func() bool {
		if strings.Contains(s.ua.out.String(), "png: wrote "+file) {
			return true
		}
		if time.Since(sent) >= time.Second {
			sent = time.Now()
			if _, err := fmt.Fprintf(s.cons, "/snapshot_recv %s\n", file); err != nil {
				t.Logf("baresip's console: %v", err) // refused while it does not listen yet
			}
		}
		return false
	})
	// baresip says it wrote the file a moment before the file is whole.
	var img image.Image
	waitFor(t, ctx, "a whole PNG in "+file, func() bool {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		img, err = png.Decode(bytes.NewReader(b))
		return err == nil
	})
	return img
}

// waitToSee takes snapshots until baresip shows cam (by its size), and
// returns that picture.
func (s *snapshots) waitToSee(t *testing.T, ctx context.Context, who string, cam roomCamera) image.Image {
	t.Helper()
	for {
		img := s.take(t, ctx)
		if b := img.Bounds(); b.Dx() == cam.width && b.Dy() == cam.height {
			return img
		}
		select {
		case <-ctx.Done():
			t.Fatalf("baresip never showed %s's %dx%d camera", who, cam.width, cam.height)
		default:
		}
	}
}

// isRed reports whether the middle of a picture is red, as the red camera is.
func isRed(img image.Image) bool {
	b := img.Bounds()
	r, g, bl, _ := img.At(b.Dx()/2, b.Dy()/2).RGBA()
	return r > 0xb000 && g < 0x5000 && bl < 0x5000
}

// Two Go clients in the room publish an H.264 camera each (a 640x360 test
// pattern, a red 320x240) and a microphone; baresip, dialled in with video,
// is shown the camera of whoever speaks. Before anyone speaks it shows the
// first camera published (bob's); alice speaks and baresip decodes her
// 640x360 pattern; alice falls silent and bob speaks, and baresip decodes his
// red 320x240 picture again; bob leaves, and baresip is shown alice's
// camera. Each new size comes from the key frame (with its SPS) the call was
// switched at.
func TestBaresipSeesTheActiveSpeakersCamera(t *testing.T) {
	needTool(t, "baresip")
	needBaresipVideo(t)
	e := newEnv(t, nil)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	var aliceLevel, bobLevel atomic.Uint32
	aliceLevel.Store(silent)
	bobLevel.Store(silent)
	bob := e.joinWithCamera(t, ctx, room, "bob", redCamera, &bobLevel)
	e.joinWithCamera(t, ctx, room, "alice", patternCamera, &aliceLevel)

	cons := freeUDPPort(t)
	ua := startBaresipWith(t, sineWAV(t, 1000, 8000), "PCMU/8000/1", "Salle Zola",
		fmt.Sprintf("sip:%s@127.0.0.1:%d", number, e.bridge.Addr().Port()), "", snapshotConfig(cons)+videoConfig)
	shots := newSnapshots(t, ua, cons)
	// Nobody speaks yet: the first H.264 camera published, bob's.
	shots.waitToSee(t, ctx, "bob", redCamera)

	aliceLevel.Store(talking)
	shots.waitToSee(t, ctx, "alice", patternCamera)
	if img := shots.take(t, ctx); isRed(img) {
		t.Fatal("alice speaks, baresip shows a red picture")
	}

	aliceLevel.Store(silent)
	bobLevel.Store(talking)
	img := shots.waitToSee(t, ctx, "bob", redCamera)
	if !isRed(img) {
		t.Fatalf("baresip shows a 320x240 picture that is not bob's red: %v in the middle", img.At(160, 120))
	}

	// bob leaves while he speaks: his camera gives way to alice's at once.
	_ = bob.Close()
	shots.waitToSee(t, ctx, "alice", patternCamera)
	ua.stop(ctx)
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
}
