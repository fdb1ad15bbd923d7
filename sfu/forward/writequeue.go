package forward

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// writeQueueSize is how many packets a queued DownTrack holds for its writer
// goroutine: about half a second of 2.5 Mbit/s video, more than a key frame,
// so that a transport that takes a burst a little late is not paused for it.
const writeQueueSize = 128

// queuedKind says what a queued packet is, for the counters its write
// updates.
type queuedKind uint8

const (
	queuedMedia queuedKind = iota
	queuedRetransmit
	queuedPadding
	queuedReport // a sender report, in report
)

// queuedPacket is one slot of a writeQueue: a marshalled RTP packet (or a
// sender report) and where it goes. Slots and their buffers are allocated
// once, with the queue.
type queuedPacket struct {
	kind        queuedKind
	b           *binding // the binding the packet was made for
	layer       *layer   // media: the layer it came from (for a key frame request)
	arrival     int64    // media: monoNanos of its arrival
	paddingSize uint8    // padding: the padding bytes Pion appends
	size        int      // bytes of buf used
	buf         []byte
	report      rtcp.SenderReport
}

// writeQueue is the bounded ring between a DownTrack's forwarding (on the
// publisher layers' reader goroutines, the RTCP goroutine for
// retransmissions, the allocator for padding) and its writer goroutine, for
// a subscriber whose transport's writes can block (ICE-TCP, TURN over TCP).
// Putting a packet in copies it into a slot; nothing allocates. A full queue
// refuses the packet: the DownTrack is then stalled (stall.go).
type writeQueue struct {
	mu    sync.Mutex
	slots []queuedPacket
	head  int // the oldest slot, being written or next to be
	n     int // slots in use
	// wake holds one token when the writer has something to do; putting a
	// packet never waits for the writer.
	wake chan struct{}
	done chan struct{} // closed when the writer goroutine ends
	// writing: the writer goroutine is inside a write (or about to start
	// one, and will look at DownTrack.closed first).
	writing atomic.Bool

	// Owned by the writer goroutine: when the last stall ended and how long
	// the next one that comes soon after waits before it ends (stall.go).
	lastResume int64 // monoNanos; 0 = never stalled
	backoff    time.Duration
	// after is time.After; tests replace it before the first packet.
	after func(time.Duration) <-chan time.Time
}

func newWriteQueue(size int) *writeQueue {
	q := &writeQueue{
		slots: make([]queuedPacket, size),
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
		after: time.After,
	}
	for i := range q.slots {
		q.slots[i].buf = make([]byte, maxPacketSize+64)
	}
	return q
}

// putRTP queues a copy of the packet hdr + payload; false if the queue is
// full or the packet does not fit a slot.
func (q *writeQueue) putRTP(kind queuedKind, b *binding, hdr *rtp.Header, payload []byte, l *layer, arrival int64) bool {
	q.mu.Lock()
	if q.n == len(q.slots) {
		q.mu.Unlock()
		return false
	}
	s := &q.slots[(q.head+q.n)%len(q.slots)]
	n, err := hdr.MarshalTo(s.buf)
	if err != nil || n+len(payload) > len(s.buf) {
		q.mu.Unlock()
		return false
	}
	s.size = n + copy(s.buf[n:], payload)
	s.kind, s.b, s.layer, s.arrival, s.paddingSize = kind, b, l, arrival, hdr.PaddingSize
	q.n++
	q.mu.Unlock()
	q.signal()
	return true
}

// putReport queues a sender report; false if the queue is full.
func (q *writeQueue) putReport(sr *rtcp.SenderReport) bool {
	q.mu.Lock()
	if q.n == len(q.slots) {
		q.mu.Unlock()
		return false
	}
	s := &q.slots[(q.head+q.n)%len(q.slots)]
	s.kind, s.b, s.layer, s.report = queuedReport, nil, nil, *sr
	q.n++
	q.mu.Unlock()
	q.signal()
	return true
}

func (q *writeQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// oldest returns the slot to write next, or nil when the queue is empty. The
// slot stays taken until release: writers never reuse it meanwhile.
func (q *writeQueue) oldest() *queuedPacket {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return nil
	}
	return &q.slots[q.head]
}

// release frees the oldest slot, once written.
func (q *writeQueue) release() {
	q.mu.Lock()
	q.slots[q.head].b, q.slots[q.head].layer = nil, nil
	q.head = (q.head + 1) % len(q.slots)
	q.n--
	q.mu.Unlock()
}

// queued returns how many packets wait.
func (q *writeQueue) queued() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}
