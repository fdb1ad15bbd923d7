package web_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// A Go client (package signalling/client, playing the VP8 simulcast and Opus test
// clips) and a browser page in one room see and hear each other.
func TestE2EGoClientAndBrowserSeeEachOther(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServer(t)
	b := startBrowser(t, ctx)
	const room = "go-and-web"
	alice := b.newPage("alice", true)
	alice.join(srv.URL, room, "Alice")

	c := publishClips(t, ctx, srv, room, "gobot")
	var wg sync.WaitGroup
	defer func() {
		_ = c.Close() // ends the counters below (Close is idempotent; the cleanup closes again)
		wg.Wait()
	}()

	// The Go client counts the RTP packets of the browser's tracks.
	var videoPkts, audioPkts atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ev := range c.Events() {
			sub, ok := ev.(client.TrackSubscribed)
			if !ok {
				continue
			}
			counter := &audioPkts
			if sub.Track.Kind() == vocab.KindVideo {
				counter = &videoPkts
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if _, err := sub.Track.ReadRTP(); err != nil {
						return
					}
					counter.Add(1)
				}
			}()
		}
	}()

	// The browser decodes the Go client's video and audio.
	alice.waitMediaFrom(1, 30*time.Second)
	alice.waitJS("gobot's tile with video", `[...document.querySelectorAll("#grid .tile.has-video")].some(t => t.textContent.includes("gobot"))`, 10*time.Second)

	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && (videoPkts.Load() < 100 || audioPkts.Load() < 50) {
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("Go client received %d video and %d audio packets from the browser; browser: %s",
		videoPkts.Load(), audioPkts.Load(), describe(alice.inbound()))
	if videoPkts.Load() < 100 || audioPkts.Load() < 50 {
		t.Fatalf("Go client received %d video and %d audio packets from the browser", videoPkts.Load(), audioPkts.Load())
	}
}

// publishClips joins room with a Go client that plays the test clips: the camera in
// three simulcast layers (320, 640, 1280 wide) and the microphone. The client is
// closed, and its players stopped, by t.Cleanup.
func publishClips(t *testing.T, ctx context.Context, srv *testServer, room, identity string) *client.Client {
	t.Helper()
	return publishClipsAt(t, ctx, srv.URL, srv.Token(room, identity))
}

// publishClipsAt is publishClips on any server, with a token for the room.
func publishClipsAt(t *testing.T, ctx context.Context, url, token string, opts ...client.Option) *client.Client {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	c, err := client.Join(ctx, url, token, opts...)
	if err != nil {
		cancel()
		t.Fatalf("Go client join: %v", err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		_ = c.Close()
		wg.Wait()
	})
	var layers []*clip.Clip
	for _, data := range clips.VP8Layers() {
		cl, err := clip.ParseIVF(data)
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, cl)
	}
	opus, err := clip.ParseOgg(clips.Opus)
	if err != nil {
		t.Fatal(err)
	}
	cam, err := c.PublishTrack(ctx, client.TrackOptions{
		Source: vocab.SourceCamera, Width: 1280, Height: 720,
		Layers: []vocab.LayerInfo{{Width: 320, Height: 180}, {Width: 640, Height: 360}, {Width: 1280, Height: 720}},
	})
	if err != nil {
		t.Fatalf("publish camera: %v", err)
	}
	mic, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
	if err != nil {
		t.Fatalf("publish microphone: %v", err)
	}
	wg.Add(2)
	go func() { defer wg.Done(); _ = clienttest.PlayClip(ctx, cam, layers...) }()
	go func() { defer wg.Done(); _ = clienttest.PlayClip(ctx, mic, opus) }()
	return c
}
