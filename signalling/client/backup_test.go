package client_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// publishVP8Camera publishes the 640x360 VP8 clip as a camera with backup
// (nil: none), played until the test ends.
func publishVP8Camera(t *testing.T, ctx context.Context, c *client.Client, backup *client.BackupSource) *client.LocalTrack {
	t.Helper()
	vp8, err := clip.ParseIVF(clips.VP8Medium)
	if err != nil {
		t.Fatal(err)
	}
	track, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera, Width: vp8.Width, Height: vp8.Height, Backup: backup})
	if err != nil {
		t.Fatal(err)
	}
	playCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = clienttest.PlayClip(playCtx, track, vp8) }()
	t.Cleanup(func() { stop(); wg.Wait() })
	return track
}

// h264Backup is a backup source playing the 640x360 H.264 clip.
func h264Backup(t *testing.T) *client.BackupSource {
	t.Helper()
	h264, err := clip.ParseH264(clips.H264, clips.H264FrameRate)
	if err != nil {
		t.Fatal(err)
	}
	return &client.BackupSource{MimeType: webrtc.MimeTypeH264, Width: 640, Height: 360,
		Play: func(ctx context.Context, b *client.LocalTrack) error { return clienttest.PlayClip(ctx, b, h264) }}
}

// A client that decodes H.264 only joins a room with VP8 cameras: the
// publisher with an H.264 source publishes it as the camera's backup, and the
// H.264 client receives that camera in H.264 under its SID; a publisher
// without such a source ignores the request. A VP8 client sees one track per
// camera. When the H.264 client leaves, the backup is unpublished.
func TestClientPublishesItsBackupWhileSomeoneNeedsIt(t *testing.T) {
	srv := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	join := func(identity string, opts ...client.Option) *client.Client {
		c, err := client.Join(ctx, srv.URL, srv.Token("bk", identity), opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	alice := join("alice")
	cam := publishVP8Camera(t, ctx, alice, h264Backup(t))
	dave := join("dave")
	daveCam := publishVP8Camera(t, ctx, dave, nil)
	viewer := join("viewer")
	waitEvent(t, viewer, "alice's camera", func(ev client.TrackSubscribed) bool { return ev.Track.TrackSID == cam.SID() })

	bob := join("bob", client.WithCodecs(webrtc.MimeTypeOpus, webrtc.MimeTypeH264))
	waitEvent(t, alice, "publisher_backup", func(ev client.PublisherBackup) bool {
		return ev.TrackSID == cam.SID() && ev.Enabled && strings.EqualFold(ev.MimeType, webrtc.MimeTypeH264)
	})
	got := waitEvent(t, bob, "alice's camera, through its backup", func(ev client.TrackSubscribed) bool { return ev.Track.TrackSID == cam.SID() })
	if mime := got.Track.Codec().MimeType; !strings.EqualFold(mime, webrtc.MimeTypeH264) {
		t.Fatalf("bob receives alice's camera in %s, want H.264", mime)
	}
	if _, err := got.Track.ReadRTP(); err != nil {
		t.Fatal(err)
	}
	got.Track.Discard()
	b := cam.Backup()
	if b == nil || b.SID() == cam.SID() {
		t.Fatalf("alice's camera has backup %v", b)
	}
	if len(alice.LocalTracks()) != 1 {
		t.Fatalf("alice lists %d local tracks, want her camera alone (its backup is under Backup)", len(alice.LocalTracks()))
	}
	waitEvent(t, dave, "publisher_backup", func(ev client.PublisherBackup) bool { return ev.TrackSID == daveCam.SID() && ev.Enabled })
	if daveCam.Backup() != nil {
		t.Fatal("dave, without a backup source, published a backup")
	}

	// The VP8 viewer knows one track of alice, which names its backup, and receives it in VP8.
	waitEvent(t, viewer, "alice's camera with its backup", func(ev client.TrackPublished) bool {
		return ev.Track.SID == cam.SID() && strings.EqualFold(ev.Track.BackupMimeType, webrtc.MimeTypeH264)
	})
	for _, p := range viewer.Others() {
		if p.Identity == "alice" && len(p.Tracks) != 1 {
			t.Fatalf("the viewer lists alice's tracks as %+v, want her camera alone", p.Tracks)
		}
	}
	var fromAlice []*client.RemoteTrack
	for _, rt := range viewer.RemoteTracks() {
		if p, _ := rt.Participant(); p.Identity == "alice" {
			fromAlice = append(fromAlice, rt)
		}
	}
	if len(fromAlice) != 1 || fromAlice[0].TrackSID != cam.SID() || !strings.EqualFold(fromAlice[0].Codec().MimeType, webrtc.MimeTypeVP8) {
		t.Fatalf("the viewer receives %d tracks of alice (%v), want the VP8 camera alone", len(fromAlice), fromAlice)
	}

	if err := bob.Close(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, alice, "publisher_backup withdrawn", func(ev client.PublisherBackup) bool { return ev.TrackSID == cam.SID() && !ev.Enabled })
	deadline := time.Now().Add(10 * time.Second)
	for cam.Backup() != nil || b.Info().SID != "" && !isDone(b) {
		if time.Now().After(deadline) {
			t.Fatal("alice's backup still published after nobody needs it")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isDone(t *client.LocalTrack) bool {
	select {
	case <-t.Done():
		return true
	default:
		return false
	}
}
