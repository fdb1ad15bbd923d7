package recording

import (
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// pushClip packetizes a clip into MTU-sized packets and pushes them, taking
// out the frames that are whole; it returns how many came out.
func pushClip(tb testing.TB, a *assembler) (pushed, out int) {
	tb.Helper()
	c, err := clip.ParseIVF(clips.VP8Medium)
	if err != nil {
		tb.Fatal(err)
	}
	p := rtp.NewPacketizer(1200, 96, 1234, &codecs.VP8Payloader{}, rtp.NewFixedSequencer(65000), 90000)
	origin := time.Unix(1000, 0)
	for i, f := range c.Frames {
		for _, pk := range p.Packetize(f.Data, uint32(f.Duration*90000/time.Second)) {
			a.push(pk, origin.Add(time.Duration(i)*f.Duration))
		}
		for _, ok := a.pop(); ok; _, ok = a.pop() {
			out++
		}
	}
	return len(c.Frames), out
}

// At the end of a track every whole frame still held comes out, the last one
// included, and nothing else (the packet flush pushes is not a frame).
func TestAssemblerFlushHandsOutEveryFrame(t *testing.T) {
	a := newAssembler(&codecs.VP8Packet{}, 90000, maxLateVideo, true)
	pushed, out := pushClip(t, a)
	if out >= pushed {
		t.Fatalf("%d of %d frames out before the flush: the test needs frames held", out, pushed)
	}
	a.flush()
	for f, ok := a.pop(); ok; f, ok = a.pop() {
		if len(f.Data) == 0 {
			t.Fatal("an empty frame came out")
		}
		out++
	}
	if out != pushed {
		t.Fatalf("%d frames out, %d pushed", out, pushed)
	}
}

// What flushing a track costs (the sample builder's own Flush took about a
// second per track, whatever its length: BENCHMARKS.md, Recording).
func BenchmarkAssemblerFlush(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		a := newAssembler(&codecs.VP8Packet{}, 90000, maxLateVideo, true)
		pushClip(b, a)
		b.StartTimer()
		a.flush()
		for _, ok := a.pop(); ok; _, ok = a.pop() {
		}
	}
}
