package sip_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/h264writer"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// videoConfig makes baresip send H.264 (its avcodec module, libx264) from its
// fakevideo source, show nothing, and keep a snapshot of what it decodes
// when told (snapshot_recv).
const videoConfig = `module avcodec.so
module fakevideo.so
module snapshot.so
video_source fakevideo,nil
video_display fakevideo,nil
video_size 352x288
video_fps 15
video_bitrate 300000
avcodec_h264enc libx264
avcodec_h264dec h264
`

// needBaresipVideo skips the test without baresip's avcodec module (fails it
// on CI, where scripts/test installs baresip-ffmpeg).
func needBaresipVideo(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/usr/lib/baresip/modules/avcodec.so"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("baresip's avcodec module is not installed (scripts/test installs baresip-ffmpeg)")
		}
		t.Skip("baresip's avcodec module is not installed; scripts/test installs baresip-ffmpeg")
	}
}

// baresip dials a meeting with H.264 video: a Go client in the room receives
// the call participant's camera track, still H.264 (passed through, not
// transcoded), and what it received decodes with ffmpeg, frame after frame.
func TestBaresipVideoReachesTheRoomAsH264(t *testing.T) {
	needTool(t, "baresip")
	needTool(t, "ffprobe")
	needTool(t, "ffmpeg")
	needBaresipVideo(t)
	e := newEnv(t, nil)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()

	camera := e.watchSIPCamera(t, ctx, room)
	wav := filepath.Join(t.TempDir(), "tone.wav")
	if err := writeWAV(wav, 8000, (&tone.Sine{Freq: 1000, Rate: 8000, Amplitude: 8000}).Next(8000*45)); err != nil {
		t.Fatal(err)
	}
	ua := startBaresipWith(t, wav, "PCMU/8000/1", "Salle Zola",
		fmt.Sprintf("sip:%s@127.0.0.1:%d", number, e.bridge.Addr().Port()), "", videoConfig)

	track := awaitSIPCamera(t, ctx, camera)
	requireDecodableH264(t, ctx, track)
	ua.stop(ctx)
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
}

// A Go client in the room publishes an H.264 camera; baresip, dialled in with
// video, receives it through the bridge (passed through, not transcoded) and
// decodes it: its snapshot module saves a decoded frame as a PNG of the
// clip's size.
func TestBaresipReceivesARoomCameraAsH264(t *testing.T) {
	needTool(t, "baresip")
	needBaresipVideo(t)
	e := newEnv(t, nil)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	e.joinWithCamera(t, ctx, room, "bob", patternCamera, nil)

	cons := freeUDPPort(t)
	ua := startBaresipWith(t, sineWAV(t, 1000, 8000), "PCMU/8000/1", "Salle Zola",
		fmt.Sprintf("sip:%s@127.0.0.1:%d", number, e.bridge.Addr().Port()), "", snapshotConfig(cons)+videoConfig)
	img := newSnapshots(t, ua, cons).take(t, ctx)
	if b := img.Bounds(); b.Dx() != patternCamera.width || b.Dy() != patternCamera.height {
		t.Fatalf("baresip decoded a %dx%d frame, the room camera is %dx%d", b.Dx(), b.Dy(), patternCamera.width, patternCamera.height)
	}
	ua.stop(ctx)
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
}

// requireDecodableH264 reads three seconds of a camera track (15 fps) into
// an H.264 file and fails the test unless ffprobe counts its frames and
// ffmpeg decodes it without an error.
func requireDecodableH264(t *testing.T, ctx context.Context, track *client.RemoteTrack) {
	t.Helper()
	ffprobe := needTool(t, "ffprobe")
	ffmpeg := needTool(t, "ffmpeg")
	const wantFrames = 45 // three seconds at 15 fps
	file := filepath.Join(t.TempDir(), "sip.h264")
	w, err := h264writer.New(file)
	if err != nil {
		t.Fatal(err)
	}
	frames := 0
	for frames < wantFrames {
		p, err := track.ReadRTP()
		if err != nil {
			t.Fatalf("reading the SIP camera after %d frames: %v", frames, err)
		}
		if err := w.WriteRTP(p); err != nil {
			t.Fatal(err)
		}
		if p.Marker {
			frames++
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	out, err := exec.CommandContext(ctx, ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,nb_read_frames", "-of", "csv=p=0", file).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	fields := strings.Split(strings.TrimSpace(string(out)), ",")
	if len(fields) != 2 || fields[0] != "h264" {
		t.Fatalf("ffprobe says %q, want h264 and a frame count", out)
	}
	// The file starts at the first key frame the writer saw, so it may hold
	// fewer frames than were counted; a third of them is well past noise.
	if n, err := strconv.Atoi(fields[1]); err != nil || n < wantFrames/3 {
		t.Fatalf("ffprobe decoded %q frames of the SIP camera, want at least %d", fields[1], wantFrames/3)
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, ffmpeg, "-v", "error", "-i", file, "-f", "null", "-")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("ffmpeg decoding the SIP camera: %v\n%s", err, stderr.String())
	}
	t.Logf("ffmpeg decoded %s frames of the SIP camera without error", fields[1])
}

// watchSIPCamera joins room as a viewer that takes H.264, and hands over the
// camera track of the SIP participant when it is subscribed.
func (e *env) watchSIPCamera(t *testing.T, ctx context.Context, room string) <-chan *client.RemoteTrack {
	t.Helper()
	viewer, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, "viewer"), client.WithCodecs(webrtc.MimeTypeOpus, webrtc.MimeTypeH264))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = viewer.Close() })
	camera := make(chan *client.RemoteTrack, 1)
	go func() {
		for ev := range viewer.Events() {
			sub, ok := ev.(client.TrackSubscribed)
			if !ok {
				continue
			}
			p, _ := sub.Track.Participant()
			if sub.Track.Kind() != vocab.KindVideo || p.Kind != vocab.ParticipantSIP {
				sub.Track.Discard()
				continue
			}
			camera <- sub.Track
		}
	}()

	return camera
}

// awaitSIPCamera waits for the SIP participant's camera and fails the test
// unless it is H.264 (passed through, not transcoded) from a camera source.
func awaitSIPCamera(t *testing.T, ctx context.Context, camera <-chan *client.RemoteTrack) *client.RemoteTrack {
	t.Helper()
	var track *client.RemoteTrack
	select {
	case track = <-camera:
	case <-ctx.Done():
		t.Fatal("no camera track of the SIP participant reached the room")
	}
	if mime := track.Codec().MimeType; !strings.EqualFold(mime, webrtc.MimeTypeH264) {
		t.Fatalf("the SIP camera arrives as %s, want H.264 passed through", mime)
	}
	if src := track.Info().Source; src != vocab.SourceCamera {
		t.Fatalf("the SIP video's source is %q, want camera", src)
	}

	return track
}
