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
	a := newAssembler(&codecs.VP8Packet{}, 90000, maxLateVideo)
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
