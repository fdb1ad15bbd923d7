package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp/codecs"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Parsed clips, shared by all tests (clips are immutable).
var (
	vp8Layers []*clip.Clip
	opusClip  *clip.Clip
)

func init() {
	for _, b := range clips.VP8Layers() {
		c, err := clip.ParseIVF(b)
		if err != nil {
			panic(err)
		}
		vp8Layers = append(vp8Layers, c)
	}
	c, err := clip.ParseOgg(clips.Opus)
	if err != nil {
		panic(err)
	}
	opusClip = c
}

func testLogger() *slog.Logger {
	lvl, ok := os.LookupEnv("ENSEMBLE_TEST_LOG")
	if !ok {
		return slog.New(slog.DiscardHandler)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(lvl))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// testCtx bounds a test.
func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// participant is a joined client whose events and received media are recorded.
type participant struct {
	t    *testing.T
	name string
	*client.Client

	mu     sync.Mutex
	cond   *sync.Cond
	events []client.Event
	tracks map[string]*trackStats // by track SID
	wg     sync.WaitGroup
}

// trackStats records what arrived on one subscribed track.
type trackStats struct {
	publisher, sid string
	kind           vocab.Kind
	packets        int
	seqs           map[uint64]int // extended sequence number -> times received
	maxExt         uint64
	minExt         uint64
	lastExt        uint64
	jumps          int // forward jumps of more than maxJump sequence numbers
	// keyWidths lists the widths of the VP8 keyframes received, in order.
	keyWidths []int
	ended     bool
	ssrc      uint32
}

// gaps describes the first missing ranges (for failure messages).
func (s *trackStats) gaps() string {
	out, n := "", 0
	for e := s.minExt; e <= s.maxExt && n < 8; e++ {
		if s.seqs[e] == 0 {
			start := e
			for e <= s.maxExt && s.seqs[e] == 0 {
				e++
			}
			out += fmt.Sprintf(" %d+%d(of %d)", start-s.minExt, e-start, s.maxExt-s.minExt+1)
			n++
		}
	}
	return out
}

// maxJump is the largest forward step of sequence numbers that loss explains: a
// bigger one means the SFU failed to rewrite at a layer switch or resume.
const maxJump = 300

// ext extends a 16-bit sequence number to 64 bits, relative to the newest one.
func (s *trackStats) ext(seq uint16) uint64 {
	if s.packets == 0 {
		s.lastExt = 1<<32 | uint64(seq)
		return s.lastExt
	}
	e := uint64(int64(s.lastExt) + int64(int16(seq-uint16(s.lastExt))))
	if e > s.lastExt {
		s.lastExt = e
	}
	return e
}

// missing counts sequence numbers never received between the first and the
// newest one, ignoring the newest `recent` (they may still be retransmitted).
func (s *trackStats) missing(recent uint64) int {
	n := 0
	for e := s.minExt; e+recent < s.maxExt; e++ {
		if s.seqs[e] == 0 {
			n++
		}
	}
	return n
}

func join(t *testing.T, ctx context.Context, srv *servertest.Server, room, identity string, opts ...client.Option) *participant {
	t.Helper()
	c, err := client.Join(ctx, srv.URL, srv.Token(room, identity), append([]client.Option{client.WithLogger(testLogger().With("client", identity))}, opts...)...)
	if err != nil {
		t.Fatalf("%s: join: %v", identity, err)
	}
	return watch(t, identity, c)
}

// watch records c's events and reads every subscribed track until c closes.
func watch(t *testing.T, name string, c *client.Client) *participant {
	p := &participant{t: t, name: name, Client: c, tracks: map[string]*trackStats{}}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for ev := range c.Events() {
			if ts, ok := ev.(client.TrackSubscribed); ok {
				p.wg.Add(1)
				go p.read(ts.Track)
			}
			p.mu.Lock()
			p.events = append(p.events, ev)
			p.cond.Broadcast()
			p.mu.Unlock()
		}
	}()
	t.Cleanup(p.close)
	return p
}

func (p *participant) close() {
	_ = p.Client.Close()
	p.wg.Wait()
}

func (p *participant) read(rt *client.RemoteTrack) {
	defer p.wg.Done()
	p.mu.Lock()
	st, ok := p.tracks[rt.TrackSID]
	if !ok || st.ended {
		// A new subscription to a track (after resubscribing) starts over.
		st = &trackStats{publisher: rt.ParticipantSID, sid: rt.TrackSID, kind: rt.Kind(), seqs: map[uint64]int{}}
		p.tracks[rt.TrackSID] = st
	}
	p.mu.Unlock()
	for {
		pkt, err := rt.ReadRTP()
		if err != nil {
			p.mu.Lock()
			st.ended = true
			p.cond.Broadcast()
			p.mu.Unlock()
			return
		}
		p.mu.Lock()
		prev := st.lastExt
		e := st.ext(pkt.SequenceNumber)
		if st.packets > 0 && e > prev+maxJump {
			st.jumps++
		}
		if st.packets == 0 || e < st.minExt {
			st.minExt = e
		}
		if e > st.maxExt {
			st.maxExt = e
		}
		st.ssrc = pkt.SSRC
		if w, ok := vp8KeyframeWidth(pkt.Payload); ok && st.kind == vocab.KindVideo {
			st.keyWidths = append(st.keyWidths, w)
		}
		st.seqs[e]++
		st.packets++
		p.cond.Broadcast()
		p.mu.Unlock()
	}
}

// waitFor waits until cond (called with p.mu held) holds, or fails the test.
func (p *participant) waitFor(ctx context.Context, what string, cond func() bool) {
	p.t.Helper()
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	// Wake up now and then too: some conditions read client state, not events.
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p.mu.Lock()
				p.cond.Broadcast()
				p.mu.Unlock()
			}
		}
	}()
	p.mu.Lock()
	defer p.mu.Unlock()
	for !cond() {
		if ctx.Err() != nil {
			p.t.Fatalf("%s: timed out waiting for %s; events: %s", p.name, what, p.describeLocked())
		}
		p.cond.Wait()
	}
}

// waitEvent waits for an event matching match and returns it.
func waitEvent[E client.Event](ctx context.Context, p *participant, what string, match func(E) bool) E {
	p.t.Helper()
	var got E
	p.waitFor(ctx, what, func() bool {
		for _, ev := range p.events {
			if e, ok := ev.(E); ok && (match == nil || match(e)) {
				got = e
				return true
			}
		}
		return false
	})
	return got
}

// hasEvent reports whether an event matching match was seen.
func hasEvent[E client.Event](p *participant, match func(E) bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ev := range p.events {
		if e, ok := ev.(E); ok && (match == nil || match(e)) {
			return true
		}
	}
	return false
}

func (p *participant) describeLocked() string {
	s := ""
	for _, ev := range p.events {
		s += fmt.Sprintf("\n  %T%+v", ev, ev)
	}
	for sid, st := range p.tracks {
		s += fmt.Sprintf("\n  track %s (%s from %s): %d packets, seq %d..%d, missing %d, ended %v", sid, st.kind, st.publisher, st.packets, st.minExt, st.maxExt, st.missing(0), st.ended)
	}
	return s
}

// tracksFrom returns the stats of the tracks received from publisher (by SID).
func (p *participant) tracksFromLocked(publisherSID string) []*trackStats {
	var out []*trackStats
	for _, st := range p.tracks {
		if st.publisher == publisherSID {
			out = append(out, st)
		}
	}
	return out
}

// waitMedia waits until p received at least n packets on `tracks` tracks of publisher.
func (p *participant) waitMedia(ctx context.Context, publisher *participant, tracks, n int) {
	p.t.Helper()
	sid := publisher.Self().SID
	p.waitFor(ctx, fmt.Sprintf("%d packets on %d tracks from %s", n, tracks, publisher.name), func() bool {
		ok := 0
		for _, st := range p.tracksFromLocked(sid) {
			if st.packets >= n && !st.ended {
				ok++
			}
		}
		return ok >= tracks
	})
}

// publishAV publishes the VP8 clip in three simulcast layers and the Opus clip, and
// plays them until the test ends.
func publishAV(t *testing.T, ctx context.Context, p *participant) (video, audio *client.LocalTrack) {
	t.Helper()
	video, err := p.PublishTrack(ctx, client.TrackOptions{
		Source: vocab.SourceCamera, Name: "camera", Width: 1280, Height: 720,
		Layers: []vocab.LayerInfo{
			{Width: 320, Height: 180, Bitrate: 150_000},
			{Width: 640, Height: 360, Bitrate: 500_000},
			{Width: 1280, Height: 720, Bitrate: 1_500_000},
		},
	})
	if err != nil {
		t.Fatalf("%s: publish video: %v", p.name, err)
	}
	audio, err = p.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone, Name: "mic"})
	if err != nil {
		t.Fatalf("%s: publish audio: %v", p.name, err)
	}
	play(t, video, vp8Layers...)
	play(t, audio, opusClip)
	return video, audio
}

// play plays clips on track until the test ends.
func play(t *testing.T, track *client.LocalTrack, cs ...*clip.Clip) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := clienttest.PlayClip(ctx, track, cs...); err != nil {
			t.Errorf("play %s: %v", track.SID(), err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// vp8KeyframeWidth reads the width of a VP8 keyframe from the first packet of a
// frame (RFC 7741 payload descriptor, then RFC 6386 9.1 frame header).
func vp8KeyframeWidth(payload []byte) (int, bool) {
	var d codecs.VP8Packet
	frame, err := d.Unmarshal(payload)
	if err != nil || d.S != 1 || d.PID != 0 || len(frame) < 10 {
		return 0, false
	}
	if frame[0]&1 != 0 || frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a {
		return 0, false
	}
	return int(binary.LittleEndian.Uint16(frame[6:8]) & 0x3fff), true
}
