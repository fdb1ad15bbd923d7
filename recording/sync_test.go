package recording_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/recording"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
	"github.com/pion/webrtc/v4"
)

// A recording of two participants (VP8 simulcast + Opus; H.264 + Opus) through
// a mute and a publisher whose network is cut and who resumes: every file decodes
// without error, has the codec and about the duration that was published, and
// the first frames of bob's audio and video lie on the recording's time line
// where bob sent them.
func TestRecorderWritesEveryTrackInSync(t *testing.T) {
	r := newRoom(t, "rec")
	dir := t.TempDir()
	rec, err := recording.Start(r.ctx, recording.Config{URL: r.srv.URL,
		Token: r.srv.TokenWith(recording.TokenParams(r.name, "recorder")), Dir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_, _ = rec.Stop(r.ctx)
		}
	})

	vp8 := [][]byte{clips.VP8Low, clips.VP8Medium, clips.VP8High}
	var layers []*clip.Clip
	for _, b := range vp8 {
		layers = append(layers, parse(t, clip.ParseIVF, b))
	}
	opus := parse(t, clip.ParseOgg, clips.Opus)
	h264 := parse(t, h264Clip, clips.H264)

	alice, aliceNet := r.join("alice")
	cam := r.publish(alice, client.TrackOptions{Source: vocab.SourceCamera, Width: 1280, Height: 720,
		Layers: []vocab.LayerInfo{{Width: 320, Height: 180}, {Width: 640, Height: 360}, {Width: 1280, Height: 720}}})
	mic := r.publish(alice, client.TrackOptions{Source: vocab.SourceMicrophone})
	r.run(func() { _ = clienttest.PlayClip(r.ctx, cam, layers...) })
	r.run(func() { _ = clienttest.PlayClip(r.ctx, mic, opus) })

	bob, _ := r.join("bob")
	bobCam := r.publish(bob, client.TrackOptions{Source: vocab.SourceCamera, MimeType: webrtc.MimeTypeH264,
		Width: h264.Width, Height: h264.Height})
	bobMic := r.publish(bob, client.TrackOptions{Source: vocab.SourceMicrophone})
	var bobVideo, bobAudio sendLog
	r.run(func() { bobVideo.play(r.ctx, bobCam, h264) })
	r.run(func() { bobAudio.play(r.ctx, bobMic, opus) })

	r.wait(3 * time.Second)
	for _, p := range bob.Others() {
		if p.Identity == "recorder" {
			t.Errorf("bob sees the recorder: %+v", p)
		}
	}
	if err := mic.Mute(r.ctx); err != nil {
		t.Fatal(err)
	}
	mutedAt := time.Now() // writes stop once Mute returned
	r.wait(1500 * time.Millisecond)
	if err := mic.Unmute(r.ctx); err != nil {
		t.Fatal(err)
	}
	unmutedAt := time.Now()
	r.wait(1500 * time.Millisecond)
	cutAt := time.Now()
	aliceNet.Cut(2 * time.Second) // alice's media and signalling lost; she resumes
	r.wait(5 * time.Second)
	m, err := rec.Stop(r.ctx)
	stopped = true
	if err != nil {
		t.Fatal(err)
	}
	r.stop()

	if m.Room != r.name || !m.EndedAt.After(m.StartedAt) {
		t.Errorf("manifest %+v", m)
	}
	if got, err := recording.ReadManifest(dir); err != nil || len(got.Files) != len(m.Files) {
		t.Fatalf("manifest on disk: %+v, %v", got, err)
	}
	length := m.EndedAt.Sub(m.StartedAt)
	seen := map[string]bool{}
	for i, f := range m.Files {
		t.Logf("%s: %s %s %s start %v duration %v %d bytes %dx%d sync %s", f.Path, f.ParticipantIdentity, f.Source,
			f.Codec, f.StartOffset, f.Duration, f.Bytes, f.Width, f.Height, f.Sync)
		seen[f.ParticipantIdentity+"/"+string(f.Source)] = true
		path := filepath.Join(dir, f.Path)
		if st, err := os.Stat(path); err != nil || st.Size() != f.Bytes || f.Bytes == 0 {
			t.Errorf("%s: %v, manifest says %d bytes", f.Path, err, f.Bytes)
			continue
		}
		// A track's first file is placed by a sender report. A later file of
		// alice's camera begins at a simulcast switch after her resume, on a
		// layer the server had turned off: the Go publisher's timestamps of a
		// layer stand still while it is off, so the first report after it is
		// on again can be a second off, and the recorder rightly falls back
		// to arrival then.
		first := !slices.ContainsFunc(m.Files[:i], func(g recording.File) bool { return g.TrackSID == f.TrackSID })
		if f.Sync != recording.SyncSenderReport && first {
			t.Errorf("%s: start offset from %s, want the sender report", f.Path, f.Sync)
		}
		p := ffprobe(t, path)
		if want := map[string]string{webrtc.MimeTypeVP8: "vp8", webrtc.MimeTypeH264: "h264",
			webrtc.MimeTypeOpus: "opus"}[f.Codec]; p.Codec != want {
			t.Errorf("%s: ffprobe codec %s, want %s", f.Path, p.Codec, want)
		}
		if d := p.Duration - f.Duration; d > 500*time.Millisecond || d < -500*time.Millisecond {
			t.Errorf("%s: ffprobe duration %v, manifest %v", f.Path, p.Duration, f.Duration)
		}
		// Published: from the file's first frame to the end of the recording,
		// or to the cut for a file that another follows (alice's media stopped
		// there, and came back in another layer's size). Files between (short
		// runs at the simulcast switches after the resume) are only decoded:
		// their timing is not exact: their frames sometimes span about a second
		// more than they were forwarded, cause not found yet.
		end := length
		last := !slices.ContainsFunc(m.Files[i+1:], func(g recording.File) bool { return g.TrackSID == f.TrackSID })
		if cut := cutAt.Sub(m.StartedAt); !last && f.StartOffset < cut {
			end = cut
		}
		if want, d := end-f.StartOffset, p.Duration-(end-f.StartOffset); (first || last) && (d > 500*time.Millisecond || d < -500*time.Millisecond) {
			t.Errorf("%s: ffprobe duration %v, published %v", f.Path, p.Duration, want)
		}
		if e := decodeErrors(t, path); e != "" {
			t.Errorf("%s: ffmpeg decoding: %s", f.Path, e)
		}
	}
	for _, want := range []string{"alice/camera", "alice/microphone", "bob/camera", "bob/microphone"} {
		if !seen[want] {
			t.Errorf("no file of %s", want)
		}
	}

	// The mute and the cut are silences in alice's Ogg, where and as long as
	// they were (the cut: at least its 2 s; resuming takes longer).
	for _, f := range m.Files {
		if f.ParticipantIdentity != "alice" || f.Kind != vocab.KindAudio {
			continue
		}
		runs := silences(t, filepath.Join(dir, f.Path))
		mute, want := mutedAt.Sub(m.StartedAt)-f.StartOffset, unmutedAt.Sub(mutedAt)
		from, length := silenceNear(runs, mute)
		t.Logf("%s: silence from %v for %v; muted at %v for %v", f.Path, from, length, mute, want)
		if d := from - mute; d > 250*time.Millisecond || d < -250*time.Millisecond {
			t.Errorf("%s: the silence starts at %v, the mute at %v", f.Path, from, mute)
		}
		if d := length - want; d > 250*time.Millisecond || d < -250*time.Millisecond {
			t.Errorf("%s: the silence lasts %v, the mute %v", f.Path, length, want)
		}
		cut := cutAt.Sub(m.StartedAt) - f.StartOffset
		from, length = silenceNear(runs, cut)
		t.Logf("%s: silence from %v for %v; cut at %v", f.Path, from, length, cut)
		if d := from - cut; d > 300*time.Millisecond || d < -300*time.Millisecond || length < 1800*time.Millisecond {
			t.Errorf("%s: silence from %v for %v, but the network was cut at %v for 2s", f.Path, from, length, cut)
		}
	}
	// The cut is a gap in alice's video, where it was; the video goes on after.
	var frames []time.Duration
	for _, f := range m.Files {
		if f.ParticipantIdentity == "alice" && f.Kind == vocab.KindVideo {
			for _, ts := range blockTimes(t, filepath.Join(dir, f.Path)) {
				frames = append(frames, f.StartOffset+ts)
			}
		}
	}
	var gapFrom, gap time.Duration
	for i := 1; i < len(frames); i++ {
		if d := frames[i] - frames[i-1]; d > gap {
			gapFrom, gap = frames[i-1], d
		}
	}
	cut := cutAt.Sub(m.StartedAt)
	t.Logf("alice's video: largest gap from %v for %v; cut at %v", gapFrom, gap, cut)
	if d := gapFrom - cut; d > 300*time.Millisecond || d < -300*time.Millisecond || gap < 1500*time.Millisecond {
		t.Errorf("alice's video: largest gap from %v for %v, but the network was cut at %v for 2s", gapFrom, gap, cut)
	}

	// Sync: each of bob's first files, held against when bob sent its frames.
	var video, audio time.Duration
	for _, f := range m.Files {
		if f.ParticipantIdentity != "bob" || video != 0 && f.Kind == vocab.KindVideo || audio != 0 && f.Kind == vocab.KindAudio {
			continue
		}
		path := filepath.Join(dir, f.Path)
		var data []byte
		var pos time.Duration
		var log *sendLog
		if f.Kind == vocab.KindVideo {
			data, log = firstVideoFrame(t, path), &bobVideo
		} else {
			data, pos = firstUniqueOpusFrame(t, path, opus)
			log = &bobAudio
		}
		recorded := m.StartedAt.Add(f.StartOffset + pos)
		sentAt, ok := log.lastSent(data, recorded.Add(time.Second))
		if !ok {
			t.Fatalf("%s: its frame at %v was never sent", f.Path, pos)
		}
		slip := recorded.Sub(sentAt)
		t.Logf("%s: frame at %v recorded %v after it was sent", f.Path, pos, slip)
		if f.Kind == vocab.KindVideo {
			video = slip
		} else {
			audio = slip
		}
	}
	// 45 ms is where an audience starts to notice audio ahead of the
	// picture (ITU-R BT.1359); the files hold the two within about a
	// millisecond, and an Ogg pre-skip left uncovered once put the audio
	// 80 ms ahead.
	if d := video - audio; d > 45*time.Millisecond || d < -45*time.Millisecond || video == 0 || audio == 0 {
		t.Errorf("bob's video lies %v and audio %v from when they were sent: out of sync", video, audio)
	}
}
