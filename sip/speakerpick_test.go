package sip

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

func h264Camera(sid string) vocab.TrackInfo {
	return vocab.TrackInfo{SID: sid, Kind: vocab.KindVideo, Source: vocab.SourceCamera, MimeType: webrtc.MimeTypeH264}
}

func speaking(sids ...string) []vocab.SpeakerInfo {
	var out []vocab.SpeakerInfo
	for _, s := range sids {
		out = append(out, vocab.SpeakerInfo{ParticipantSID: s, Level: 0.5, Active: true})
	}
	return out
}

// The picker's policy, step by step on one clock: the first camera at once,
// a speaker's after they held the floor for the hold time, the caller's own
// never, a speaker without an H.264 camera changes nothing, a camera gone
// gives way at once.
func TestCameraPicker(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	p := newCameraPicker("PA_caller", time.Second)
	if got, _ := p.pick("", at(0)); got != "" {
		t.Fatalf("no camera in the room: picked %q", got)
	}
	p.published("PA_caller", h264Camera("TR_caller"))
	p.published("PA_vp8", vocab.TrackInfo{SID: "TR_vp8", Source: vocab.SourceCamera, MimeType: webrtc.MimeTypeVP8})
	p.published("PA_screen", vocab.TrackInfo{SID: "TR_screen", Source: vocab.SourceScreenShare, MimeType: webrtc.MimeTypeH264})
	if got, _ := p.pick("", at(0)); got != "" {
		t.Fatalf("only the caller's camera, a VP8 camera and a screen: picked %q", got)
	}
	p.published("PA_bob", h264Camera("TR_bob"))
	p.published("PA_alice", h264Camera("TR_alice"))
	shown, _ := p.pick("", at(0))
	if shown != "TR_bob" {
		t.Fatalf("nobody speaks: picked %q, want the first H.264 camera published", shown)
	}

	for _, step := range []struct {
		ms       int
		speakers []string // nil: no update at this step
		want     string
		recheck  time.Duration
	}{
		{100, []string{"PA_alice"}, "TR_bob", time.Second},                         // alice starts: wait
		{600, nil, "TR_bob", 500 * time.Millisecond},                               // still not a second
		{1100, nil, "TR_alice", 0},                                                 // held a second: switch
		{1200, []string{"PA_bob", "PA_alice"}, "TR_alice", time.Second},            // bob interjects
		{1500, []string{"PA_alice", "PA_bob"}, "TR_alice", 0},                      // alice again: bob's floor is gone
		{2600, nil, "TR_alice", 0},                                                 // nothing to do
		{2700, []string{"PA_caller"}, "TR_alice", 0},                               // the caller speaks: never its own
		{2800, []string{"PA_vp8"}, "TR_alice", 0},                                  // no H.264 camera: keep
		{2900, []string{"PA_caller", "PA_vp8", "PA_bob"}, "TR_alice", time.Second}, // the loudest that qualifies
		{3900, nil, "TR_bob", 0},
		{4000, []string{}, "TR_bob", 0}, // silence: keep
	} {
		if step.speakers != nil {
			p.speakers(speaking(step.speakers...))
		}
		got, recheck := p.pick(shown, at(step.ms))
		if got != step.want || recheck != step.recheck {
			t.Fatalf("at %d ms (speakers %v): picked %q, recheck in %v; want %q, %v", step.ms, step.speakers, got, recheck, step.want, step.recheck)
		}
		shown = got
	}

	// bob's camera gone: alice's at once, though she never held the floor.
	p.unpublished("TR_bob")
	if got, _ := p.pick(shown, at(4100)); got != "TR_alice" {
		t.Fatalf("the shown camera unpublished: picked %q", got)
	}
	shown = "TR_alice"
	p.speakers(speaking("PA_alice"))
	p.left("PA_alice")
	if got, _ := p.pick(shown, at(4300)); got != "" {
		t.Fatalf("every H.264 camera gone: picked %q, want none", got)
	}
	p.published("PA_carol", h264Camera("TR_carol"))
	if got, _ := p.pick("", at(4400)); got != "TR_carol" {
		t.Fatalf("a camera published again: picked %q", got)
	}
}

// A room system's audio is published before its video: the room names it a
// speaker while it has no camera yet, and sends no new list while the same
// people go on speaking. Its camera, published then, takes the floor from
// that moment, without waiting for the list to change.
func TestCameraPickerSpeakerWhoseCameraComesLater(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	p := newCameraPicker("PA_zola", time.Second)
	p.published("PA_carol", h264Camera("TR_carol"))
	shown, _ := p.pick("", at(0))
	p.speakers(speaking("PA_hugo", "PA_zola"))
	if got, _ := p.pick(shown, at(100)); got != "TR_carol" {
		t.Fatalf("hugo speaks without a camera: picked %q, want carol's kept", got)
	}
	p.published("PA_hugo", h264Camera("TR_hugo"))
	if got, recheck := p.pick(shown, at(500)); got != "TR_carol" || recheck != time.Second {
		t.Fatalf("hugo's camera published: picked %q, recheck in %v; want carol's for a second more", got, recheck)
	}
	if got, _ := p.pick(shown, at(1500)); got != "TR_hugo" {
		t.Fatalf("hugo held the floor a second with his camera: picked %q", got)
	}
}
