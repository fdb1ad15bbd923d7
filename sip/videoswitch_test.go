package sip

import (
	_ "embed"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
)

// redClip is 320x240 of plain red, H.264 constrained baseline, 30 fps, a key
// frame with SPS and PPS every second (testdata/clips/README.md says how it
// was made): a camera that looks nothing like clips.H264.
//
//go:embed testdata/clips/red-320x240.h264
var redClip []byte

// frame is the RTP packets of one frame of a clip, as a publisher sends them.
type frame struct {
	pkts []*rtp.Packet
	key  bool
}

// packetize cuts a clip's frames into RTP packets as Pion's H.264 payloader
// does for the Go client and browsers (SPS and PPS in a STAP-A, FU-A beyond
// the MTU, here a small one so that every frame takes several packets), numbered
// from seq.
func packetize(t *testing.T, data []byte, seq uint16, n int) []frame {
	t.Helper()
	c, err := clip.ParseH264(data, clips.H264FrameRate)
	if err != nil {
		t.Fatal(err)
	}
	pk := rtp.NewPacketizer(600, 102, 0x1234, &codecs.H264Payloader{}, rtp.NewFixedSequencer(seq), 90000)
	var out []frame
	loop := c.Loop()
	for len(out) < n {
		f := loop.Next()
		var fr frame
		for _, p := range pk.Packetize(f.Data, 3000) {
			fr.pkts = append(fr.pkts, p)
		}
		fr.key = f.Keyframe
		if len(fr.pkts) == 0 {
			continue // SPS or PPS alone: the payloader sends it with the next NAL
		}
		out = append(out, fr)
	}
	return out
}

// requireOneStream checks what a caller got: sequence numbers that follow
// each other with no hole and no repeat, and timestamps that never go back
// and change only at a frame boundary (after a packet with the marker).
func requireOneStream(t *testing.T, got []*rtp.Packet) {
	t.Helper()
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if b.SequenceNumber != a.SequenceNumber+1 {
			t.Fatalf("packet %d: sequence number %d after %d", i, b.SequenceNumber, a.SequenceNumber)
		}
		if d := int32(b.Timestamp - a.Timestamp); d < 0 || (d > 0 && !a.Marker) || (d == 0 && a.Marker) {
			t.Fatalf("packet %d: timestamp %d after %d (marker %v before)", i, b.Timestamp, a.Timestamp, a.Marker)
		}
		if b.Extension || len(b.Extensions) > 0 {
			t.Fatalf("packet %d keeps the room's header extensions", i)
		}
	}
}

// feeder pushes frames into a switcher with arrival times 33 ms apart,
// collecting what it sends in out. The switcher rewrites the packets it is
// given in place, as a camera's reader hands them over: a packet pushed
// twice would be a test's mistake, and fails it.
type feeder struct {
	t      *testing.T
	sw     *videoSwitcher
	now    time.Time
	out    []*rtp.Packet
	sw1    int // switches seen
	pushed map[*rtp.Packet]bool
}

func (f *feeder) push(name string, pkts ...*rtp.Packet) {
	f.t.Helper()
	if f.pushed == nil {
		f.pushed = map[*rtp.Packet]bool{}
	}
	for _, p := range pkts {
		if f.pushed[p] {
			f.t.Fatalf("packet %d of %s pushed twice", p.SequenceNumber, name)
		}
		f.pushed[p] = true
		var switched bool
		f.out, switched = f.sw.push(name, p, f.now, f.out)
		if switched {
			f.sw1++
		}
	}
}

func (f *feeder) tick() { f.now = f.now.Add(33 * time.Millisecond) }

// The first camera starts at its first key frame: what came before is not
// sent, and the stream starts at the switcher's own sequence number.
func TestVideoSwitcherStartsAtAKeyFrame(t *testing.T) {
	a := packetize(t, clips.H264, 100, 70) // key frames at 0 and 60
	f := &feeder{t: t, sw: newVideoSwitcher(5000, 777), now: time.Unix(1000, 0)}
	f.sw.switchTo("a")
	for _, fr := range a[1:] {
		f.push("a", fr.pkts...)
		f.tick()
	}
	if len(f.out) == 0 || !h264Keyframe(f.out[0].Payload) {
		t.Fatal("the stream does not start with a key frame")
	}
	want := 0
	for _, fr := range a[60:] {
		want += len(fr.pkts)
	}
	if len(f.out) != want {
		t.Fatalf("%d packets sent, want the %d from the key frame at frame 60 on", len(f.out), want)
	}
	if f.out[0].SequenceNumber != 5000 || f.out[0].Timestamp != 777 || f.sw1 != 1 {
		t.Fatalf("starts at seq %d ts %d after %d switches", f.out[0].SequenceNumber, f.out[0].Timestamp, f.sw1)
	}
	requireOneStream(t, f.out)
}

// A switch waits for the new camera's key frame, then for the end of the
// frame the old camera is in; from there the new camera goes on under the
// same numbering, its timestamps forward by the wall time since the old
// camera's last frame began, and the old camera is no longer sent.
func TestVideoSwitcherSwitchesAtAKeyFrameAfterTheOldFrameEnds(t *testing.T) {
	a := packetize(t, clips.H264, 60000, 30)
	b := packetize(t, redClip, 9, 40) // key frames at 0 and 30
	f := &feeder{t: t, sw: newVideoSwitcher(65530, 1<<32-5000), now: time.Unix(1000, 0)}
	f.sw.switchTo("a")
	for i := range 5 {
		f.push("a", a[i].pkts...)
		f.tick()
	}
	f.sw.switchTo("b")
	// b's frames before its key frame are not sent; a goes on.
	for i := 20; i < 30; i++ {
		f.push("b", b[i].pkts...)
		f.push("a", a[i-15].pkts...)
		f.tick()
	}
	if cur, next := f.sw.showing(); cur != "a" || next != "b" {
		t.Fatalf("showing %q switching to %q before b's key frame", cur, next)
	}
	// a multi-packet frame of a is under way when b's key frame comes.
	mid := a[15]
	if len(mid.pkts) < 2 {
		t.Fatalf("frame 15 of the clip has %d packets", len(mid.pkts))
	}
	f.push("a", mid.pkts[0])
	sentBefore := len(f.out)
	keyAt := f.now.Add(10 * time.Millisecond)
	f.now = keyAt
	f.push("b", b[30].pkts...)
	if len(f.out) != sentBefore {
		t.Fatal("b's key frame was sent in the middle of a's frame")
	}
	f.push("a", mid.pkts[1:]...) // a's frame ends: the switch
	if f.sw1 != 2 {
		t.Fatalf("%d switches, want 2", f.sw1)
	}
	endOfA := sentBefore + len(mid.pkts) - 1
	if !f.out[endOfA-1].Marker || !h264Keyframe(f.out[endOfA].Payload) {
		t.Fatal("the switch is not at the end of a's frame and the start of b's key frame")
	}
	lastATS := f.out[endOfA-1].Timestamp
	firstBTS := f.out[endOfA].Timestamp
	// a's last frame began 10 ms before b's key frame came: 10 ms at 90 kHz.
	if d := firstBTS - lastATS; d != 10*90 {
		t.Fatalf("timestamps go forward by %d across the switch, want %d (10 ms)", d, 10*90)
	}
	for i := 31; i < 40; i++ {
		f.tick()
		f.push("a", a[i-15].pkts...) // dropped
		f.push("b", b[i].pkts...)
	}
	if cur, next := f.sw.showing(); cur != "b" || next != "" {
		t.Fatalf("showing %q switching to %q after the switch", cur, next)
	}
	n := len(f.out) - endOfA
	want := 0
	for _, fr := range b[30:40] {
		want += len(fr.pkts)
	}
	if n != want {
		t.Fatalf("%d packets of b sent, want %d", n, want)
	}
	requireOneStream(t, f.out)
}

// The old frame's marker lost: the next frame of the old camera ends it all
// the same, and the switch comes before that frame's first packet.
func TestVideoSwitcherSwitchesWhenTheOldFramesMarkerIsLost(t *testing.T) {
	a := packetize(t, clips.H264, 1, 10)
	b := packetize(t, redClip, 1, 1)
	f := &feeder{t: t, sw: newVideoSwitcher(1, 1), now: time.Unix(1000, 0)}
	f.sw.switchTo("a")
	f.push("a", a[0].pkts...)
	f.tick()
	f.sw.switchTo("b")
	f.push("a", a[1].pkts[:len(a[1].pkts)-1]...) // its marker packet is lost
	f.push("b", b[0].pkts...)
	before := len(f.out)
	f.tick()
	f.push("a", a[2].pkts[0])
	if f.sw1 != 2 || len(f.out) != before+len(b[0].pkts) {
		t.Fatalf("%d switches; %d packets sent at a's next frame, want b's key frame (%d)", f.sw1, len(f.out)-before, len(b[0].pkts))
	}
	// the hole a's lost packet left is a's own loss, before the switch: no
	// hole is made at the switch.
	for i := before; i < len(f.out); i++ {
		if f.out[i].SequenceNumber != f.out[before-1].SequenceNumber+uint16(i-before+1) {
			t.Fatalf("packet %d of b: sequence number %d", i-before, f.out[i].SequenceNumber)
		}
	}
}

// The shown camera gone (unpublished) while a switch waits for its frame
// to end: the key frame held back goes at once.
func TestVideoSwitcherSwitchesWhenTheOldCameraIsGone(t *testing.T) {
	a := packetize(t, clips.H264, 1, 10)
	b := packetize(t, redClip, 1, 2)
	f := &feeder{t: t, sw: newVideoSwitcher(1, 1), now: time.Unix(1000, 0)}
	f.sw.switchTo("a")
	f.push("a", a[0].pkts...)
	f.push("a", a[1].pkts[0])
	f.sw.switchTo("b")
	f.push("b", b[0].pkts[0])
	if f.sw1 != 1 {
		t.Fatal("switched in the middle of a's frame")
	}
	f.sw.sourceGone("a")
	f.push("b", b[0].pkts[1:]...)
	f.push("b", b[1].pkts...)
	if f.sw1 != 2 {
		t.Fatal("no switch once a was gone")
	}
	if cur, _ := f.sw.showing(); cur != "b" {
		t.Fatalf("showing %q", cur)
	}
	first := len(a[0].pkts) + 1 // b's key frame
	if f.out[first].SequenceNumber != f.out[first-1].SequenceNumber+1 {
		t.Fatal("a hole at the switch")
	}
	requireOneStream(t, f.out[first:])
}

// Switching back to the camera shown gives a pending switch up: the other
// camera's key frame then changes nothing.
func TestVideoSwitcherSwitchBackCancels(t *testing.T) {
	a := packetize(t, clips.H264, 1, 3)
	b := packetize(t, redClip, 1, 1)
	f := &feeder{t: t, sw: newVideoSwitcher(1, 1), now: time.Unix(1000, 0)}
	f.sw.switchTo("a")
	f.push("a", a[0].pkts...)
	f.sw.switchTo("b")
	f.sw.switchTo("a")
	f.push("b", b[0].pkts...)
	f.push("a", a[1].pkts...)
	if cur, next := f.sw.showing(); cur != "a" || next != "" || f.sw1 != 1 {
		t.Fatalf("showing %q switching to %q after %d switches", cur, next, f.sw1)
	}
	requireOneStream(t, f.out)
}

// h264Keyframe finds the key frames the clip parser finds, in the packets
// Pion's payloader makes of them, on the first packet of the frame.
func TestH264KeyframeOnClipPackets(t *testing.T) {
	for name, data := range map[string][]byte{"640x360": clips.H264, "red 320x240": redClip} {
		for i, fr := range packetize(t, data, 1, 65) {
			if got := h264Keyframe(fr.pkts[0].Payload); got != fr.key {
				t.Fatalf("%s frame %d: h264Keyframe %v, the clip says %v", name, i, got, fr.key)
			}
		}
	}
	for name, b := range map[string][]byte{
		"empty": nil, "STAP-A cut": {24, 0, 9, 0x67}, "STAP-A zero size": {24, 0, 0},
		"FU-A middle of an IDR": {28, 0x05}, "FU-A alone": {28}, "P slice": {0x41, 0x9a},
	} {
		if h264Keyframe(b) {
			t.Errorf("%s: taken as a key frame", name)
		}
	}
}
