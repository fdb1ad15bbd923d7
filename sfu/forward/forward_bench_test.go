package forward

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// BenchmarkForward measures the media hot path: one received packet (1200
// bytes of VP8, or 120 of Opus, with audio-level, abs-capture-time, mid, rid
// and TWCC extensions) parsed, cached and fanned out to N subscribers whose
// TrackLocalWriters discard (so only our code is measured: header rewrite,
// extension remap, VP8 picture ID rewrite, history). "vp8" is a subscriber
// whose picture IDs still equal the publisher's (descriptor passed through);
// "vp8-rewritten" one that switched source once, so every packet's payload is
// copied to rewrite its picture ID. "vp8-queued" is "vp8" with every
// subscriber writing through its write queue and writer goroutine, as one
// over TCP does (stall.go); each iteration waits until every writer has
// written the packet, so it measures the hand-over and the wake-ups.
func BenchmarkForward(b *testing.B) {
	for _, codec := range []string{"vp8", "vp8-rewritten", "vp8-queued", "opus"} {
		for _, n := range []int{1, 10, 150} {
			b.Run(fmt.Sprintf("%s/subscribers=%d", codec, n), func(b *testing.B) {
				benchmarkForward(b, codec, n)
			})
		}
	}
}

func benchmarkForward(b *testing.B, codec string, subscribers int) {
	var up *UpTrack
	var payload []byte
	pt := uint8(96)
	if codec != "opus" {
		up = newVideoUp(nil, nil)
		payload = append(vp8Key(1), make([]byte, 1192)...)
	} else {
		up = NewUpTrack(UpTrackConfig{TrackSID: "TR_a", Kind: webrtc.RTPCodecTypeAudio, Codec: opusCodec})
		payload = make([]byte, 120)
		pt = 111
	}
	l := attachLayer(up, vocab.QualityHigh, 1)
	var queues []*writeQueue
	for range subscribers {
		d := bindDown(b, up, &fakeWriter{discard: true}, 2, 3)
		if codec == "vp8-queued" {
			d.UseWriteQueue()
			queues = append(queues, d.queue.Load())
			b.Cleanup(d.Close)
		}
	}
	raw := marshal(b, 1, pt, pktSpec{seq: 0, payload: payload, level: 30, captured: make([]byte, 8)})
	now := time.Now()
	l.handle(raw, now)
	if codec == "vp8-rewritten" {
		for _, d := range *up.downs.Load() {
			d.resync() // the next key frame starts a new run: picture id + 1
		}
		raw[3]++
		now = now.Add(time.Millisecond)
		l.handle(raw, now)
		if d := (*up.downs.Load())[0]; d.hist.lookup(raw2seq(raw)).pictureID == 1 {
			b.Fatal("picture id not rewritten")
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	seq := raw2seq(raw)
	for b.Loop() {
		seq++
		raw[2], raw[3] = byte(seq>>8), byte(seq)
		now = now.Add(time.Millisecond)
		l.handle(raw, now)
		for _, q := range queues {
			for q.queued() > 0 {
				runtime.Gosched()
			}
		}
	}
	if len(queues) > 0 && (*up.downs.Load())[0].Stats().Stalls > 0 {
		b.Fatal("a queued subscriber stalled")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(subscribers), "ns/subscriber")
}

func raw2seq(raw []byte) uint16 { return uint16(raw[2])<<8 | uint16(raw[3]) }
