package recording

import (
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"
)

// assembler turns one track's packets into frames with Pion's sample builder,
// which reorders them, and keeps what the writer needs to know of each frame:
// when its first packet arrived and whether packets are missing before it.
//
// It refuses the packets of frames already handed out or given up (a
// retransmission that arrives after its original, a packet later than the
// reorder window) before they reach the sample builder. The builder takes a
// packet older than everything it holds as the new start of its run and
// relies on its own bookkeeping of what it consumed to drop it; here the
// sequence number alone decides, so a frame never comes out twice, whatever
// state the builder is in. (Frames whose timestamps do not advance are placed
// one interval on by the timeline.)
//
// For video it also refuses a frame whose last packet lacks the marker bit.
// The sample builder ends a frame at the marker or where the timestamp
// changes; a sender always marks the end of a frame, so a frame ended by a
// new timestamp is one whose tail never came: a forwarder that switched
// layers in the middle of it, or a lost last packet followed by a packet
// that happens to be next in sequence. Written out, such a frame is a
// truncated picture that the decoder refuses ("Header size larger than data
// provided"), so it is dropped and the next frame counts as after a loss.
type assembler struct {
	sb       *samplebuilder.SampleBuilder
	arrivals [ringSize]time.Time
	padding  [ringSize]bool
	seqs     [ringSize]uint16 // which packet each slot of the rings holds

	// lastSeq is the last packet of the last frame that came out of the builder.
	lastSeq     uint16
	haveLastSeq bool
	// late counts the packets refused because their frame was already out.
	late int

	// needsMarker says that a frame is whole only if its last packet has
	// the marker bit (video); brokenBefore that the last frame given up
	// was refused for lacking it, and truncated counts those frames.
	needsMarker  bool
	brokenBefore bool
	truncated    int

	// The newest packet pushed, and the reorder window in clock units: flush
	// needs them.
	newestSeq   uint16
	newestTS    uint32
	havePushed  bool
	windowTicks uint32

	// What a new sample builder is made of, when a jump ahead restarts it,
	// and the frames the old one handed out, still to pop.
	depacketizer rtp.Depacketizer
	clockRate    uint32
	maxLate      uint16
	handedOut    []*media.Sample
}

// assembled is one frame out of the assembler.
type assembled struct {
	*media.Sample
	// arrival is when the frame's first packet arrived.
	arrival time.Time
	// lost says that packets other than padding are missing between the
	// previous frame and this one.
	lost bool
}

// newAssembler makes the assembler of one track. needsMarker is for video,
// whose senders mark the last packet of each frame.
func newAssembler(depacketizer rtp.Depacketizer, clockRate uint32, maxLate uint16, needsMarker bool) *assembler {
	a := &assembler{needsMarker: needsMarker, depacketizer: depacketizer, clockRate: clockRate, maxLate: maxLate,
		windowTicks: uint32(uint64(clockRate) * uint64(maxDelay) / uint64(time.Second))}
	a.sb = a.newBuilder()
	return a
}

func (a *assembler) newBuilder() *samplebuilder.SampleBuilder {
	return samplebuilder.New(a.maxLate, a.depacketizer, a.clockRate,
		samplebuilder.WithRTPHeaders(true), samplebuilder.WithMaxTimeDelay(maxDelay))
}

// push adds one packet. The packet must not be changed afterwards.
func (a *assembler) push(p *rtp.Packet, arrival time.Time) {
	if a.haveLastSeq && int16(p.SequenceNumber-a.lastSeq) <= 0 {
		a.late++ // its frame is out already, or was given up
		return
	}
	// Packets far from the newest, either way, are kept from the sample
	// builder: it scans its whole ring of 65 536 slots for each packet once
	// its run spans more than its window, a millisecond of CPU a packet that
	// any publisher could ask for with sequence numbers that jump about
	// (FuzzAssembler). One far behind is refused as late; one far ahead (a
	// burst of loss longer than the window) starts a new builder, after the
	// old one handed out what it held, and its first frame counts as after a
	// loss.
	if a.havePushed {
		switch d := int16(p.SequenceNumber - a.newestSeq); {
		case d < -int16(a.maxLate):
			a.late++
			return
		case d > int16(a.maxLate):
			a.restart()
		}
	}
	i := p.SequenceNumber % ringSize
	a.arrivals[i] = arrival
	a.padding[i] = len(p.Payload) == 0
	a.seqs[i] = p.SequenceNumber
	if !a.havePushed || int16(p.SequenceNumber-a.newestSeq) > 0 {
		a.newestSeq, a.havePushed = p.SequenceNumber, true
	}
	if int32(p.Timestamp-a.newestTS) > 0 || a.newestSeq == p.SequenceNumber {
		a.newestTS = p.Timestamp
	}
	a.sb.Push(p)
}

// flush makes every whole frame still held come out (the track ended).
//
// Not with the sample builder's Flush: it scans the builder's whole ring of
// 65 536 slots for every packet it lets go, about a second of CPU per track
// whatever the track's length (TestAssemblerFlushIsCheap). At a recorder's stop
// that starved the other recordings of the process until their video lost
// packets. A packet stamped one reorder window after the newest does the same
// work: the builder gives up waiting for everything before it, as it does for
// a stalled stream, hands out the whole frames and drops the broken ones, and
// its scans stop at the packets it holds. That packet has no payload and no
// frame after it, so it never comes out.
func (a *assembler) flush() {
	if !a.havePushed {
		return
	}
	a.sb.Push(&rtp.Packet{Header: rtp.Header{
		SequenceNumber: a.newestSeq + 1,
		Timestamp:      a.newestTS + a.windowTicks + 1,
		Marker:         true,
	}})
}

// restart hands out what the sample builder holds, keeps it for pop, and
// starts a new builder.
func (a *assembler) restart() {
	a.flush()
	for s := a.sb.Pop(); s != nil; s = a.sb.Pop() {
		a.handedOut = append(a.handedOut, s)
	}
	a.sb = a.newBuilder()
	a.havePushed = false
}

// pop returns the next whole frame, if there is one.
func (a *assembler) pop() (assembled, bool) {
	for {
		var s *media.Sample
		if len(a.handedOut) > 0 {
			s, a.handedOut = a.handedOut[0], a.handedOut[1:]
		} else if s = a.sb.Pop(); s == nil {
			return assembled{}, false
		}
		if len(s.RTPHeaders) == 0 || len(s.Data) == 0 {
			continue
		}
		first, last := s.RTPHeaders[0].SequenceNumber, s.RTPHeaders[len(s.RTPHeaders)-1].SequenceNumber
		if a.haveLastSeq && int16(first-a.lastSeq) <= 0 {
			// The builder handed out packets of a frame already out: it
			// can, after sequence numbers that jumped back and forth
			// (FuzzAssembler). A frame never comes out twice.
			continue
		}
		if a.needsMarker && !s.RTPHeaders[len(s.RTPHeaders)-1].Marker {
			a.lastSeq, a.haveLastSeq = last, true
			a.brokenBefore = true
			a.truncated++
			continue
		}
		f := assembled{Sample: s, arrival: a.arrivals[first%ringSize], lost: a.brokenBefore || a.lostBefore(first)}
		a.lastSeq, a.haveLastSeq = last, true
		a.brokenBefore = false
		return f, true
	}
}

// lostBefore reports whether packets other than padding are missing between the
// previous frame and the one starting at first.
func (a *assembler) lostBefore(first uint16) bool {
	if !a.haveLastSeq {
		return false
	}
	gap := first - a.lastSeq - 1
	switch {
	case gap >= 0x8000:
		return false // not after the last frame: reordered, nothing missing
	case gap >= ringSize/2:
		return true
	}
	for s := a.lastSeq + 1; s != first; s++ {
		if i := s % ringSize; a.seqs[i] != s || !a.padding[i] {
			return true
		}
	}
	return false
}
