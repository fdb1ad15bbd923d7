package sip

import (
	"sync"

	"github.com/pion/rtp"
)

// jitterBuffer reorders RTP packets of one stream and plays them out one 20 ms
// frame per tick. It holds back `depth` frames before it starts playing, so that
// packets arriving up to that late are still played in order; a packet later
// than its turn is dropped. After `rebuffer` ticks in a row with nothing to play
// it starts over (the sender paused, or restarted its sequence).
//
// It assumes one frame per packet (the bridge answers ptime:20), which is what
// SIP phones and the SFU send.
type jitterBuffer struct {
	mu       sync.Mutex
	depth    int
	packets  map[uint16]*rtp.Packet
	next     uint16
	playing  bool
	misses   int
	dropped  int // too late, or too far ahead
	rebuffer int
}

// maxJitterPackets bounds what one stream may hold: 1 s of 20 ms frames.
const maxJitterPackets = 50

func newJitterBuffer(depth int) *jitterBuffer {
	return &jitterBuffer{depth: depth, packets: map[uint16]*rtp.Packet{}, rebuffer: 10}
}

// seqBefore reports whether a comes before b, modulo 2^16.
func seqBefore(a, b uint16) bool { return a != b && b-a < 0x8000 }

// Push adds a packet (the buffer keeps it; the caller must not reuse it).
func (j *jitterBuffer) Push(p *rtp.Packet) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.playing && seqBefore(p.SequenceNumber, j.next) {
		j.dropped++
		return
	}
	if j.playing && p.SequenceNumber-j.next >= maxJitterPackets {
		// Far ahead of the play-out point: the sender jumped (a new stream).
		j.reset()
	}
	if len(j.packets) >= maxJitterPackets {
		j.dropped++
		return
	}
	j.packets[p.SequenceNumber] = p
	if !j.playing && len(j.packets) >= j.depth {
		j.playing = true
		j.next = p.SequenceNumber
		for s := range j.packets {
			if seqBefore(s, j.next) {
				j.next = s
			}
		}
	}
}

func (j *jitterBuffer) reset() {
	clear(j.packets)
	j.playing, j.misses = false, 0
}

// Pop returns the next frame's packet. ready is false while the buffer fills
// (play nothing); a nil packet with ready true is a lost frame (conceal it).
func (j *jitterBuffer) Pop() (p *rtp.Packet, ready bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.playing {
		return nil, false
	}
	p, ok := j.packets[j.next]
	if ok {
		delete(j.packets, j.next)
		j.misses = 0
	} else {
		j.misses++
		if j.misses >= j.rebuffer && len(j.packets) == 0 {
			j.reset()
			return nil, false
		}
	}
	j.next++
	return p, true
}

// Dropped counts packets that came too late or overflowed the buffer.
func (j *jitterBuffer) Dropped() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.dropped
}
