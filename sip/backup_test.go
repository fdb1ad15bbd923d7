package sip_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// A Go client publishes a VP8 camera, with the H.264 clip as its backup
// source. baresip, a room system that takes H.264 only, dials in: the room
// asks the client for the backup, and baresip decodes the camera from it (a
// snapshot of the clip's size), nothing transcoded. A Go client that decodes
// VP8 still sees one camera track of that publisher, in VP8.
func TestBaresipReceivesAVP8CameraThroughItsH264Backup(t *testing.T) {
	needTool(t, "baresip")
	needBaresipVideo(t)
	e := newEnv(t, nil)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	pub, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, "bob"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	asked := make(chan client.PublisherBackup, 4)
	go func() {
		for ev := range pub.Events() {
			switch ev := ev.(type) {
			case client.TrackSubscribed:
				ev.Track.Discard()
			case client.PublisherBackup:
				asked <- ev
			}
		}
	}()
	vp8, err := clip.ParseIVF(clips.VP8Medium)
	if err != nil {
		t.Fatal(err)
	}
	h264, err := clip.ParseH264(patternCamera.h264, clips.H264FrameRate)
	if err != nil {
		t.Fatal(err)
	}
	cam, err := pub.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera, Width: vp8.Width, Height: vp8.Height,
		Backup: &client.BackupSource{MimeType: webrtc.MimeTypeH264, Width: patternCamera.width, Height: patternCamera.height,
			Play: func(ctx context.Context, b *client.LocalTrack) error { return clienttest.PlayClip(ctx, b, h264) }}})
	if err != nil {
		t.Fatal(err)
	}
	playCtx, stopPlay := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = clienttest.PlayClip(playCtx, cam, vp8) }()
	t.Cleanup(func() { stopPlay(); wg.Wait() })

	viewer, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, "viewer"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = viewer.Close() })
	go func() {
		for ev := range viewer.Events() {
			if sub, ok := ev.(client.TrackSubscribed); ok {
				sub.Track.Discard()
			}
		}
	}()

	cons := freeUDPPort(t)
	ua := startBaresipWith(t, sineWAV(t, 1000, 8000), "PCMU/8000/1", "Salle Zola",
		fmt.Sprintf("sip:%s@127.0.0.1:%d", number, e.bridge.Addr().Port()), "", snapshotConfig(cons)+videoConfig)
	select {
	case ev := <-asked:
		if ev.TrackSID != cam.SID() || !ev.Enabled || !strings.EqualFold(ev.MimeType, webrtc.MimeTypeH264) {
			t.Fatalf("the publisher was asked %+v, want an H.264 backup of %s", ev, cam.SID())
		}
	case <-ctx.Done():
		t.Fatal("the publisher was never asked for an H.264 backup")
	}
	img := newSnapshots(t, ua, cons).take(t, ctx)
	if b := img.Bounds(); b.Dx() != patternCamera.width || b.Dy() != patternCamera.height {
		t.Fatalf("baresip decoded a %dx%d frame, the backup is %dx%d", b.Dx(), b.Dy(), patternCamera.width, patternCamera.height)
	}
	if cam.Backup() == nil {
		t.Fatal("the camera has no backup while baresip is shown it")
	}

	// The VP8 viewer: one camera of bob, in VP8.
	waitFor(t, ctx, "the viewer to receive bob's camera", func() bool {
		for _, rt := range viewer.RemoteTracks() {
			if rt.TrackSID == cam.SID() {
				return true
			}
		}
		return false
	})
	var fromBob []*client.RemoteTrack
	for _, rt := range viewer.RemoteTracks() {
		if p, _ := rt.Participant(); p.Identity == "bob" {
			fromBob = append(fromBob, rt)
		}
	}
	if len(fromBob) != 1 || !strings.EqualFold(fromBob[0].Codec().MimeType, webrtc.MimeTypeVP8) {
		t.Fatalf("the viewer receives %d tracks of bob, want his VP8 camera alone", len(fromBob))
	}
	for _, p := range viewer.Others() {
		if p.Identity == "bob" && len(p.Tracks) != 1 {
			t.Fatalf("the viewer lists bob's tracks as %+v, want his camera alone", p.Tracks)
		}
	}

	ua.stop(ctx)
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
	waitFor(t, ctx, "the backup to be unpublished once nobody needs it", func() bool { return cam.Backup() == nil })
}
