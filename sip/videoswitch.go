package sip

import (
	"sync"
	"time"

	"github.com/pion/rtp"
)

// videoSwitcher makes one outgoing stream of the room cameras a caller is
// shown in turn: one SSRC, sequence numbers that go on from one camera to the
// next with no hole and no reuse, and timestamps that go forward by the wall
// time between the old camera's last frame and the new one's key frame. A
// switch waits for two things: a key frame of the new camera (the caller's
// decoder can start nowhere else) and the end of the frame the old camera is
// in (a frame cut in the middle is a broken picture). Until both, the old
// camera goes on and the new one's key frame is held back.
//
// Sources are named by the caller of push (a subscription of a camera); the
// readers of several cameras push from their own goroutines. A packet pushed
// is the switcher's: it is rewritten in place, not copied, so that a camera
// shown costs no allocation per packet (a room camera sends hundreds a
// second to each caller).
type videoSwitcher struct {
	mu      sync.Mutex
	cur     *switchSource // what the caller gets now
	next    *switchSource // switched to at its next key frame
	held    []heldPacket  // next's key frame, waiting for cur's frame to end (its array kept)
	started bool          // something was sent: seq and ts go on from it
	seq     uint16        // the last sequence number sent
	ts      uint32        // the timestamp of the last frame sent
	tsWall  time.Time     // when that frame's first packet came
}

// switchSource is one camera as the switcher forwards it: the offsets from its
// numbering to the outgoing one, fixed at the key frame it started with.
type switchSource struct {
	name      string
	firstSeq  uint16 // its first packet forwarded; anything older is dropped
	seqOffset uint16
	tsOffset  uint32
	lastTS    uint32 // the timestamp of its last packet seen, for frame starts
	seen      bool
	inFrame   bool // its last packet forwarded did not end a frame
}

type heldPacket struct {
	p       *rtp.Packet
	arrival time.Time
}

// maxHeld bounds the key frame held back while the old camera ends its frame:
// past it the old camera is taken as stuck mid-frame and the switch is made.
const maxHeld = 512

// newVideoSwitcher starts the outgoing stream at a sequence number and a
// timestamp of its own (random, as RFC 3550 asks).
func newVideoSwitcher(seq uint16, ts uint32) *videoSwitcher {
	return &videoSwitcher{seq: seq - 1, ts: ts}
}

// switchTo makes name the camera to switch to at its next key frame (at once,
// with nothing shown). Switching to the camera shown cancels a pending switch.
func (s *videoSwitcher) switchTo(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil && s.cur.name == name {
		s.next = nil
		s.dropHeld()
		return
	}
	if s.next == nil || s.next.name != name {
		s.next = &switchSource{name: name}
		s.dropHeld()
	}
}

// dropHeld forgets the packets held back, keeping their array for the next
// switch.
func (s *videoSwitcher) dropHeld() {
	clear(s.held)
	s.held = s.held[:0]
}

// sourceGone forgets a camera that ended. Gone while shown, nothing is sent
// until the camera switched to (if any) has a key frame, and the old frame
// need not end first: it never will.
func (s *videoSwitcher) sourceGone(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil && s.cur.name == name {
		s.cur = nil
	}
	if s.next != nil && s.next.name == name {
		s.next = nil
		s.dropHeld()
	}
}

// showing is the camera the caller gets ("" for none) and the one it is
// being switched to ("" for none).
func (s *videoSwitcher) showing() (cur, next string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		cur = s.cur.name
	}
	if s.next != nil {
		next = s.next.name
	}
	return cur, next
}

// push takes a packet of camera name that came at arrival and appends to out
// the packets to send to the caller, rewritten (SSRC and payload type are the
// caller's to set), and says whether this packet made a switch (the camera
// switched away from may be unsubscribed). Packets of other cameras, of the
// camera switched to before its key frame, and older than a camera's first
// packet forwarded are dropped.
//
// p becomes the switcher's: it is rewritten in place and may be held back
// and returned by a later push, of either camera. The caller must not touch
// it again but through out, and out's packets are the caller's to send. A
// reader that passes its own out[:0] each time pushes the camera shown
// without allocating.
func (s *videoSwitcher) push(name string, p *rtp.Packet, arrival time.Time, out []*rtp.Packet) ([]*rtp.Packet, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.cur != nil && s.cur.name == name:
		src := s.cur
		if int16(p.SequenceNumber-src.firstSeq) < 0 {
			return out, false
		}
		if len(s.held) > 0 && src.inFrame && p.Timestamp != src.lastTS {
			// A new frame of the old camera while its last one had no
			// marker (lost): that frame is over all the same. Switch
			// before this packet.
			return s.flushHeld(out), true
		}
		out = append(out, s.rewrite(src, p, arrival))
		if len(s.held) > 0 && !src.inFrame {
			return s.flushHeld(out), true
		}
		return out, false
	case s.next != nil && s.next.name == name:
		src := s.next
		frameStart := !src.seen || p.Timestamp != src.lastTS
		src.seen, src.lastTS = true, p.Timestamp
		if len(s.held) > 0 {
			s.held = append(s.held, heldPacket{p, arrival})
			if s.cur == nil || len(s.held) >= maxHeld { // the old camera ended, or is stuck mid-frame
				return s.flushHeld(out), true
			}
			return out, false
		}
		if !frameStart || !h264Keyframe(p.Payload) {
			return out, false
		}
		s.held = append(s.held, heldPacket{p, arrival})
		if s.cur != nil && s.cur.inFrame {
			return out, false // the old camera ends its frame first
		}
		return s.flushHeld(out), true
	}
	return out, false
}

// flushHeld makes next the camera shown, from the first held packet (its key
// frame), and appends the held packets, rewritten, to out.
func (s *videoSwitcher) flushHeld(out []*rtp.Packet) []*rtp.Packet {
	src, held := s.next, s.held
	s.cur, s.next = src, nil
	key := held[0]
	src.firstSeq = key.p.SequenceNumber
	src.seqOffset = s.seq + 1 - key.p.SequenceNumber
	ts := s.ts
	if s.started {
		// forward by the wall time since the old camera's last frame began,
		// at H.264's 90 kHz, and by at least one tick
		ts += max(1, uint32(max(0, key.arrival.Sub(s.tsWall))*90000/time.Second))
	}
	src.tsOffset = ts - key.p.Timestamp
	src.seen, src.inFrame = false, false
	for _, h := range held {
		if int16(h.p.SequenceNumber-src.firstSeq) < 0 {
			continue
		}
		out = append(out, s.rewrite(src, h.p, h.arrival))
	}
	s.dropHeld()
	return out
}

// rewrite numbers a packet of src in the outgoing stream, in place, and
// takes off the room's header extensions (their ids were negotiated with the
// server, not with the caller).
func (s *videoSwitcher) rewrite(src *switchSource, p *rtp.Packet, arrival time.Time) *rtp.Packet {
	seq, ts := p.SequenceNumber, p.Timestamp // in the camera's own numbering
	p.Extension, p.Extensions, p.ExtensionProfile = false, p.Extensions[:0], 0
	p.SequenceNumber = seq + src.seqOffset
	p.Timestamp = ts + src.tsOffset
	if !src.seen || ts != src.lastTS {
		if !s.started || int32(p.Timestamp-s.ts) > 0 {
			s.ts, s.tsWall = p.Timestamp, arrival
		}
	}
	if !s.started || int16(p.SequenceNumber-s.seq) > 0 {
		s.seq = p.SequenceNumber
		src.inFrame = !p.Marker
	}
	src.seen, src.lastTS = true, ts
	s.started = true
	return p
}
