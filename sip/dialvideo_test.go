package sip_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/sip"
)

// The bridge calls a baresip with H.264 video that answers by itself: its
// offer has video, baresip takes it, a Go client in the room receives the
// called room system's camera as H.264 that ffmpeg decodes, and baresip
// decodes the room's camera (a picture of its size), as for a call that
// came in.
func TestDialOutWithVideo(t *testing.T) {
	needTool(t, "baresip")
	needTool(t, "ffprobe")
	needTool(t, "ffmpeg")
	needBaresipVideo(t)
	e := newEnv(t, nil)
	room, _ := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	e.joinWithCamera(t, ctx, room, "bob", patternCamera, nil)
	camera := e.watchSIPCamera(t, ctx, room)

	cons := freeUDPPort(t)
	ua := startBaresipWith(t, sineWAV(t, 1000, 8000), "PCMU/8000/1", "Salle B", "", "", snapshotConfig(cons)+videoConfig)
	d, err := e.bridge.Dial(room, fmt.Sprintf("sip:tester@127.0.0.1:%d", ua.port), "Salle B")
	if err != nil {
		t.Fatal(err)
	}
	e.waitDialed(t, ctx, d, sip.DialAnswered)

	requireVideoBothWaysThenHangUp(t, ctx, e, ua, cons, camera, room, d)
}

// requireVideoBothWaysThenHangUp checks a dialled call's video: the room's
// Go client decodes the called party's H.264, and baresip (console on
// port cons) decodes the room's camera at its size; then it hangs up and
// waits for the call to end.
func requireVideoBothWaysThenHangUp(t *testing.T, ctx context.Context, e *env, ua *baresip, cons int,
	camera <-chan *client.RemoteTrack, room string, d sip.Dialed) {
	t.Helper()
	requireDecodableH264(t, ctx, awaitSIPCamera(t, ctx, camera))
	img := newSnapshots(t, ua, cons).take(t, ctx)
	if b := img.Bounds(); b.Dx() != patternCamera.width || b.Dy() != patternCamera.height {
		t.Fatalf("baresip decoded a %dx%d frame, the room camera is %dx%d", b.Dx(), b.Dy(), patternCamera.width, patternCamera.height)
	}
	if err := e.bridge.HangUp(room, d.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the call to end", func() bool {
		s, _ := e.bridge.Dialed(room, d.ID)
		return s.State == sip.DialEnded && e.bridge.Calls() == 0
	})
}
