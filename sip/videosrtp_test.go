package sip_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/sip"
)

// baresip calls a meeting over TLS with SRTP mandatory and H.264 video: its
// video line is RTP/SAVP with keys of its own, answered in kind, so the
// video goes both ways only if both sides encrypt and decrypt it with the
// keys of the SDP. A Go client in the room receives baresip's camera as
// H.264 that ffmpeg decodes, and baresip decodes the room's camera.
func TestBaresipOverTLSWithSRTPVideo(t *testing.T) {
	needTool(t, "baresip")
	needTool(t, "ffprobe")
	needTool(t, "ffmpeg")
	needBaresipVideo(t)
	e, certFile, logs := newTLSEnv(t)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	e.joinWithCamera(t, ctx, room, "bob", patternCamera, nil)
	camera := e.watchSIPCamera(t, ctx, room)

	cons := freeUDPPort(t)
	ua := startBaresipWith(t, sineWAV(t, 1000, 8000), "PCMU/8000/1", "Salle chiffrée",
		fmt.Sprintf("sip:%s@127.0.0.1:%d;transport=tls", number, e.bridge.TLSAddr().Port()),
		";mediaenc=srtp-mand", baresipTLSConfig(certFile)+snapshotConfig(cons)+videoConfig)

	requireDecodableH264(t, ctx, awaitSIPCamera(t, ctx, camera))
	img := newSnapshots(t, ua, cons).take(t, ctx)
	if b := img.Bounds(); b.Dx() != patternCamera.width || b.Dy() != patternCamera.height {
		t.Fatalf("baresip decoded a %dx%d frame, the room camera is %dx%d", b.Dx(), b.Dy(), patternCamera.width, patternCamera.height)
	}
	if l := logs.String(); !strings.Contains(l, "sip call answered") || !strings.Contains(l, "transport=TLS") ||
		!strings.Contains(l, "video=true video_srtp=AES_CM_128_HMAC_SHA1_") {
		t.Fatalf("the call's video was not answered with SRTP:\n%s", l)
	}
	ua.stop(ctx)
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
}

// The bridge calls over TLS a baresip with H.264 video and SRTP mandatory:
// its offer has the video over RTP/SAVP with keys of its own, baresip takes
// it, a Go client in the room receives baresip's camera, and baresip
// decodes the room's, which only decrypt with the keys of the SDP.
func TestDialOutOverTLSWithSRTPVideo(t *testing.T) {
	needTool(t, "baresip")
	needTool(t, "ffprobe")
	needTool(t, "ffmpeg")
	needBaresipVideo(t)
	e, certFile, keyFile, logs := newTLSDialEnv(t)
	room, _ := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	e.joinWithCamera(t, ctx, room, "bob", patternCamera, nil)
	camera := e.watchSIPCamera(t, ctx, room)

	cons := freeUDPPort(t)
	ua := startBaresipTLSCallee(t, ctx, certFile, keyFile, snapshotConfig(cons)+videoConfig)
	d, err := e.bridge.Dial(room, fmt.Sprintf("sip:tester@127.0.0.1:%d;transport=tls", ua.port+1), "Salle B")
	if err != nil {
		t.Fatal(err)
	}
	e.waitDialed(t, ctx, d, sip.DialAnswered)
	if l := logs.String(); !strings.Contains(l, "sip dial-out answered") || !strings.Contains(l, "video=true video_srtp=AES_CM_128_HMAC_SHA1_") {
		t.Fatalf("the call's video was not answered with SRTP:\n%s", l)
	}
	requireVideoBothWaysThenHangUp(t, ctx, e, ua, cons, camera, room, d)
}
