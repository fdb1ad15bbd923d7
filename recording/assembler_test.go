package recording

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/recording/internal/mediatest"
	"github.com/ensemble-sfu/ensemble/recording/mediafile"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// vp8Packets packetizes a clip's frames one packet each (a large MTU), as the
// small frames of a low-rate stream are.
func vp8Packets(t *testing.T, c *clip.Clip) []*rtp.Packet {
	t.Helper()
	p := rtp.NewPacketizer(64000, 96, 1234, &codecs.VP8Payloader{}, rtp.NewFixedSequencer(100), 90000)
	var out []*rtp.Packet
	for _, f := range c.Frames {
		ps := p.Packetize(f.Data, uint32(f.Duration*90000/time.Second))
		if len(ps) != 1 {
			t.Fatalf("frame in %d packets, want 1", len(ps))
		}
		out = append(out, ps...)
	}
	return out
}

// A retransmission that arrives after its original was assembled and written
// (the recorder asked for it, then the original came late) is refused before
// the sample builder: no frame comes out twice, and the stream written through
// the timeline to a WebM file decodes without a word.
func TestAssemblerRefusesRetransmissionsOfFramesOut(t *testing.T) {
	mediatest.RequireTool(t, "ffmpeg")
	c, err := clip.ParseIVF(clips.VP8Low)
	if err != nil {
		t.Fatal(err)
	}
	pkts := vp8Packets(t, c)
	a := newAssembler(&codecs.VP8Packet{}, 90000, maxLateVideo, true)
	path := filepath.Join(t.TempDir(), "track.webm")
	w, err := mediafile.Create(path, mediafile.Track{MimeType: webrtc.MimeTypeVP8, Width: c.Width, Height: c.Height})
	if err != nil {
		t.Fatal(err)
	}
	tl := timeline{clockRate: 90000}
	origin := time.Unix(1000, 0)
	var frames []assembled
	var placed []placedFrame
	take := func() {
		for f, ok := a.pop(); ok; f, ok = a.pop() {
			if n := len(frames); n > 0 && int32(f.PacketTimestamp-frames[n-1].PacketTimestamp) <= 0 {
				t.Fatalf("frame of timestamp %d came out again", f.PacketTimestamp)
			}
			frames = append(frames, f)
			placed = tl.push(frame{data: f.Data, ts: f.PacketTimestamp, arrival: f.arrival}, placed)
		}
	}
	dups := 0
	for i, p := range pkts {
		at := origin.Add(time.Duration(i) * c.Frames[0].Duration)
		a.push(p, at)
		take()
		if i >= 5 && i%10 == 0 {
			// Every tenth packet, the copy of one sent five frames ago.
			dup := *pkts[i-5]
			a.push(&dup, at)
			take()
			dups++
		}
	}
	a.flush()
	take()
	placed = tl.flush(placed)
	if a.late != dups {
		t.Errorf("%d packets refused as late, want the %d retransmissions", a.late, dups)
	}
	if len(frames) != len(pkts) {
		t.Errorf("%d frames out of %d packets", len(frames), len(pkts))
	}
	for _, p := range placed {
		if err := w.WriteFrame(p.data, p.pos); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if out, _ := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput(); len(out) > 0 {
		t.Errorf("ffmpeg decoding: %s", out)
	}
}

// A frame cut short where a forwarder switched layers: its last packet never
// came, and the next packet in sequence (the forwarder numbers the new layer
// on from the old one) starts another frame. The sample builder ends the cut
// frame at the new timestamp; the assembler drops it, since written out it is
// a truncated picture the decoder refuses, and flags the frame after it as
// after a loss, so that the recorder waits for a key frame. A frame cut at the
// end of the track goes the same way.
func TestAssemblerDropsFramesWithoutTheirLastPacket(t *testing.T) {
	c, err := clip.ParseIVF(clips.VP8Low)
	if err != nil {
		t.Fatal(err)
	}
	p := rtp.NewPacketizer(200, 96, 1234, &codecs.VP8Payloader{}, rtp.NewFixedSequencer(100), 90000)
	var frames [][]*rtp.Packet
	for _, f := range c.Frames[:20] {
		frames = append(frames, p.Packetize(f.Data, uint32(f.Duration*90000/time.Second)))
	}
	const cut = 7 // a frame in several packets, not the last
	if len(frames[cut]) < 2 || len(frames[len(frames)-1]) < 2 {
		t.Fatalf("frames in %d and %d packets, want several", len(frames[cut]), len(frames[len(frames)-1]))
	}
	// Drop the last packet of the cut frame and of the last frame, and
	// number the packets on without the gaps.
	var pkts []*rtp.Packet
	for i, f := range frames {
		if i == cut || i == len(frames)-1 {
			f = f[:len(f)-1]
		}
		for _, q := range f {
			q.SequenceNumber = uint16(100 + len(pkts))
			pkts = append(pkts, q)
		}
	}
	a := newAssembler(&codecs.VP8Packet{}, 90000, maxLateVideo, true)
	origin := time.Unix(1000, 0)
	var out []assembled
	for i, q := range pkts {
		a.push(q, origin.Add(time.Duration(i)*time.Millisecond))
		for f, ok := a.pop(); ok; f, ok = a.pop() {
			out = append(out, f)
		}
	}
	a.flush()
	for f, ok := a.pop(); ok; f, ok = a.pop() {
		out = append(out, f)
	}
	if len(out) != len(frames)-2 {
		t.Fatalf("%d frames out of %d, want all but the 2 cut", len(out), len(frames))
	}
	if a.truncated < 1 { // the one at the end, the sample builder may drop itself
		t.Errorf("%d frames counted as cut, want the one in the middle at least", a.truncated)
	}
	for i, f := range out {
		src := i
		if i >= cut {
			src = i + 1
		}
		if f.PacketTimestamp != frames[src][0].Timestamp {
			t.Fatalf("frame %d has timestamp %d, want frame %d's %d", i, f.PacketTimestamp, src, frames[src][0].Timestamp)
		}
		if want := src == cut+1; f.lost != want {
			t.Errorf("frame %d: lost %v, want %v", src, f.lost, want)
		}
	}
}

// A burst of loss longer than the reorder window (the publisher's link went
// away for a while) restarts the sample builder: the frames before the burst
// and after it all come out, in order, and the first after it counts as
// after a loss.
func TestAssemblerGoesOnAfterALongBurstOfLoss(t *testing.T) {
	c, err := clip.ParseIVF(clips.VP8Low)
	if err != nil {
		t.Fatal(err)
	}
	pkts := vp8Packets(t, c)[:20]
	const burst = 10 // the frame after the burst
	for _, p := range pkts[burst:] {
		p.SequenceNumber += maxLateVideo + 100
	}
	a := newAssembler(&codecs.VP8Packet{}, 90000, maxLateVideo, true)
	origin := time.Unix(1000, 0)
	var out []assembled
	for i, p := range pkts {
		a.push(p, origin.Add(time.Duration(i)*c.Frames[0].Duration))
		for f, ok := a.pop(); ok; f, ok = a.pop() {
			out = append(out, f)
		}
	}
	a.flush()
	for f, ok := a.pop(); ok; f, ok = a.pop() {
		out = append(out, f)
	}
	if len(out) != len(pkts) {
		t.Fatalf("%d frames out of %d", len(out), len(pkts))
	}
	for i, f := range out {
		if f.PacketTimestamp != pkts[i].Timestamp {
			t.Fatalf("frame %d has timestamp %d, want %d", i, f.PacketTimestamp, pkts[i].Timestamp)
		}
		if want := i == burst; f.lost != want {
			t.Errorf("frame %d: lost %v, want %v", i, f.lost, want)
		}
	}
}
