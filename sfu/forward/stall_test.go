package forward

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// blockingWriter is a subscriber whose writes block until released, as a
// write to a TCP socket the subscriber no longer reads does once the kernel's
// buffer is full.
type blockingWriter struct {
	fakeWriter
	entered chan struct{} // closed by the first write
	release chan struct{} // closing it lets every write through
	once    sync.Once
	blocked atomic.Int32 // writes waiting now
}

func newBlockingWriter() *blockingWriter {
	return &blockingWriter{entered: make(chan struct{}), release: make(chan struct{})}
}

func (w *blockingWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.once.Do(func() { close(w.entered) })
	w.blocked.Add(1)
	<-w.release
	w.blocked.Add(-1)
	return w.fakeWriter.WriteRTP(h, payload)
}

// videoFeed makes the packets of a VP8 publisher: one packet per frame, a
// key frame every keyEvery frames.
type videoFeed struct {
	t        testing.TB
	seq      uint16
	ts       uint32
	pic      uint16
	keyEvery int
	now      time.Time
}

func (f *videoFeed) next(key bool) ([]byte, time.Time) {
	f.seq++
	f.ts += 3000
	f.pic++
	payload := vp8Delta(f.pic)
	if key {
		payload = vp8Key(f.pic)
	}
	f.now = f.now.Add(33 * time.Millisecond)
	return marshal(f.t, 1, 96, pktSpec{seq: f.seq, ts: f.ts, payload: payload, marker: true, level: -1}), f.now
}

// TestBlockedSubscriberDoesNotStallOthers: one subscriber's writes block for
// good; the other subscribers of the same track still get every packet the
// publisher sends, and the blocked one is paused (told through OnStall), not
// waited for.
func TestBlockedSubscriberDoesNotStallOthers(t *testing.T) {
	defer goleak.VerifyNone(t)
	up := newVideoUp(nil, nil)
	l := attachLayer(up, vocab.QualityHigh, 1)
	healthy := []*fakeWriter{{}, {}, {}}
	var downs []*DownTrack
	for i, w := range healthy {
		downs = append(downs, bindDown(t, up, w, uint32(10+i), 0))
	}
	stuck := newBlockingWriter()
	var stalls atomic.Int32
	stuckDown := bindStallable(t, up, stuck, func(stalled bool) {
		if stalled {
			stalls.Add(1)
		}
	})
	defer func() {
		for _, d := range append(downs, stuckDown) {
			d.Close()
		}
	}()

	// The publisher's reader goroutine.
	const sent = 600
	feed := &videoFeed{t: t, now: time.Now()}
	var handled atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range sent {
			raw, now := feed.next(i%30 == 0)
			l.handle(raw, now)
			handled.Add(1)
		}
	}()
	defer func() {
		close(stuck.release) // whatever happened, let the reader goroutine end
		<-done
	}()

	<-stuck.entered
	waitForMsg(t, "the healthy subscribers get every packet while one subscriber is blocked", func() bool {
		for _, w := range healthy {
			if w.count() < sent {
				return false
			}
		}
		return true
	}, func() string {
		return fmt.Sprintf("publisher sent %d of %d; healthy got %d, %d, %d", handled.Load(), sent,
			healthy[0].count(), healthy[1].count(), healthy[2].count())
	})
	if !stuckDown.Stalled() || stalls.Load() != 1 {
		t.Fatalf("blocked subscriber: stalled %v, told %d times; want paused and told once", stuckDown.Stalled(), stalls.Load())
	}
	if s := stuckDown.Stats(); s.Forwarding || !s.Stalled {
		t.Fatalf("blocked subscriber's stats: forwarding %v, stalled %v", s.Forwarding, s.Stalled)
	}
}

func (w *fakeWriter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// waitForMsg waits for cond like waitFor, and says what was awaited and how
// far it got when it gives up.
func waitForMsg(t *testing.T, what string, cond func() bool, state func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not met in 10 s: %s (%s)", what, state())
		}
		time.Sleep(time.Millisecond)
	}
}

// bindStallable creates a DownTrack on up bound to a subscriber writing to w
// through a write queue, as package sfu makes one for a TCP subscriber.
func bindStallable(t testing.TB, up *UpTrack, w webrtc.TrackLocalWriter, onStall func(bool)) *DownTrack {
	t.Helper()
	d := NewDownTrack(up, DownTrackConfig{TrackID: "TR_x", StreamID: "PA_x", OnStall: onStall})
	if _, err := d.Bind(&fakeContext{codecs: subscriberCodecs(), exts: subExts, ssrc: 99, writer: w}); err != nil {
		t.Fatal(err)
	}
	d.UseWriteQueue()
	return d
}

// TestStalledSubscriberResumesAtKeyFrame: a subscriber whose queue filled is
// paused; once its transport takes packets again and the queue is empty it
// resumes, told so, from a key frame it asked for, never from the middle of
// a frame sequence it missed.
func TestStalledSubscriberResumesAtKeyFrame(t *testing.T) {
	defer goleak.VerifyNone(t)
	var plis atomic.Int32
	up := newVideoUp(&plis, nil)
	l := attachLayer(up, vocab.QualityHigh, 1)
	stuck := newBlockingWriter()
	events := make(chan bool, 4)
	d := bindStallable(t, up, stuck, func(stalled bool) { events <- stalled })
	defer d.Close()

	feed := &videoFeed{t: t, now: time.Now()}
	for i := 0; !d.Stalled(); i++ {
		if i > writeQueueSize+10 {
			t.Fatalf("not stalled after %d packets with a full queue", i)
		}
		raw, now := feed.next(i == 0)
		l.handle(raw, now)
	}
	if ev := <-events; !ev {
		t.Fatal("first OnStall call is not a stall")
	}
	queued := stuck.count() // 0: the first write still blocks
	plisBefore := plis.Load()
	// Stalled: the publisher's packets are not even queued.
	for range 5 {
		raw, now := feed.next(false)
		l.handle(raw, now)
	}

	close(stuck.release)
	if ev := <-events; ev {
		t.Fatal("second OnStall call is not a resume")
	}
	if d.Stalled() {
		t.Fatal("still stalled after OnStall(false)")
	}
	written := stuck.count()
	if written-queued != writeQueueSize { // the queue, its oldest packet in the write that blocked
		t.Fatalf("%d packets written after the release, want the %d queued", written-queued, writeQueueSize)
	}
	last := stuck.take()
	lastSeq := last[len(last)-1].hdr.SequenceNumber

	// Delta frames are not forwarded until the key frame, which they ask
	// for (the resume's own request may fall within the layer's PLI
	// interval of an earlier one).
	for range 3 {
		raw, now := feed.next(false)
		l.handle(raw, now)
	}
	if plis.Load() == plisBefore {
		t.Fatal("no key frame requested to resume")
	}
	raw, now := feed.next(true)
	l.handle(raw, now)
	raw, now = feed.next(false)
	l.handle(raw, now)
	waitForMsg(t, "the key frame and the delta after it written", func() bool { return stuck.count() >= written+2 },
		func() string { return fmt.Sprint(stuck.count()-written, " written") })
	pkts := stuck.take()
	if len(pkts) != 2 || pkts[0].payload[4]&0x01 != 0 || pkts[1].payload[4]&0x01 == 0 {
		t.Fatalf("after the stall: %d packets, want the key frame then the delta", len(pkts))
	}
	// One sequence number went to the packet the full queue refused: a loss
	// the subscriber sees and may ask for again.
	if got, want := pkts[0].hdr.SequenceNumber, lastSeq+2; got != want {
		t.Fatalf("first sequence number after the stall %d, want %d", got, want)
	}
	if s := d.Stats(); s.Stalls != 1 || s.Stalled || !s.Forwarding {
		t.Fatalf("stats after the stall: %+v", s)
	}
}

// TestCloseDuringABlockedWrite: Close returns while the writer goroutine is
// blocked in the transport (package sfu closes a DownTrack it unsubscribes
// before the connection); the goroutine ends as soon as the write returns.
func TestCloseDuringABlockedWrite(t *testing.T) {
	defer goleak.VerifyNone(t)
	up := newVideoUp(nil, nil)
	l := attachLayer(up, vocab.QualityHigh, 1)
	stuck := newBlockingWriter()
	d := bindStallable(t, up, stuck, nil)
	feed := &videoFeed{t: t, now: time.Now()}
	for i := range 3 {
		raw, now := feed.next(i == 0)
		l.handle(raw, now)
	}
	<-stuck.entered
	d.Close()
	close(stuck.release)
	<-d.queue.Load().done
	if n := stuck.count(); n != 1 {
		t.Fatalf("%d packets written after Close, want only the one being written", n)
	}
}

// gateWriter is a subscriber whose writes block while its gate is shut.
type gateWriter struct {
	fakeWriter
	gateMu sync.Mutex
	open   chan struct{} // closed: writes pass
}

func newGateWriter() *gateWriter {
	w := &gateWriter{open: make(chan struct{})}
	close(w.open)
	return w
}

func (w *gateWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.gateMu.Lock()
	open := w.open
	w.gateMu.Unlock()
	<-open
	return w.fakeWriter.WriteRTP(h, payload)
}

func (w *gateWriter) shut() {
	w.gateMu.Lock()
	defer w.gateMu.Unlock()
	w.open = make(chan struct{})
}

func (w *gateWriter) reopen() {
	w.gateMu.Lock()
	defer w.gateMu.Unlock()
	close(w.open)
}

// TestRepeatedStallsBackOff: a subscriber that stalls again soon after a
// resume stays paused a while after its queue drained (each resume costs the
// publisher a key frame), twice as long each time; the first stall ends as
// soon as the queue is empty.
func TestRepeatedStallsBackOff(t *testing.T) {
	defer goleak.VerifyNone(t)
	up := newVideoUp(nil, nil)
	l := attachLayer(up, vocab.QualityHigh, 1)
	w := newGateWriter()
	events := make(chan bool, 8)
	d := bindStallable(t, up, w, func(stalled bool) { events <- stalled })
	defer d.Close()
	waits := make(chan time.Duration, 1)
	fire := make(chan time.Time)
	d.queue.Load().after = func(wait time.Duration) <-chan time.Time {
		waits <- wait
		return fire
	}
	feed := &videoFeed{t: t, now: time.Now()}
	stallOnce := func() {
		t.Helper()
		w.shut()
		for i := 0; !d.Stalled(); i++ {
			if i > writeQueueSize+10 {
				t.Fatalf("not stalled after %d packets", i)
			}
			raw, now := feed.next(i == 0) // a key frame first: forwarding resumes there
			l.handle(raw, now)
		}
		if !<-events {
			t.Fatal("OnStall(false) where a stall was expected")
		}
		w.reopen()
	}

	stallOnce()
	if <-events {
		t.Fatal("the first stall did not end")
	}
	for _, want := range []time.Duration{stallBackoffMin, 2 * stallBackoffMin} {
		stallOnce()
		if got := <-waits; got != want {
			t.Fatalf("stall again soon after a resume: waits %v, want %v", got, want)
		}
		if !d.Stalled() || len(events) > 0 {
			t.Fatal("resumed before the wait ended")
		}
		fire <- time.Now()
		if <-events {
			t.Fatal("the stall did not end after the wait")
		}
	}
	if s := d.Stats(); s.Stalls != 3 {
		t.Fatalf("%d stalls counted, want 3", s.Stalls)
	}
}
