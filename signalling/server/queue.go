package server

import "sync"

// outMsg is a message waiting to be written. It is encoded by the writer, not by
// whoever queued it, so that sfu goroutines calling EventSink.Send do no JSON work.
type outMsg struct {
	typ   string
	reqID uint32
	data  any
	// lossy messages (lossy data, speaker and quality updates) are the first to go
	// when the client falls behind; a newer one replaces what they said anyway.
	lossy bool
	// final ends the session once written (the close message).
	final bool
	// dropAfter, when set, drops the connection once the message is written, with
	// this cause; the participant is kept for a resume.
	dropAfter error
}

// outQueue is a bounded FIFO between the producers of a conn's messages and its
// writer. push never blocks.
type outQueue struct {
	mu      sync.Mutex
	items   []outMsg
	max     int
	ready   chan struct{} // capacity 1: "there is something to write"
	dropped int           // lossy messages dropped, for metrics
}

func newOutQueue(max int) *outQueue {
	return &outQueue{max: max, ready: make(chan struct{}, 1)}
}

// push queues m. When the queue is full it drops a lossy message (m itself, or the
// oldest queued one) to make room; it reports false when m is reliable and nothing
// could be dropped, in which case the caller drops the session.
func (q *outQueue) push(m outMsg) bool {
	q.mu.Lock()
	if len(q.items) >= q.max {
		if m.lossy {
			q.dropped++
			q.mu.Unlock()
			return true
		}
		i := q.oldestLossy()
		if i < 0 {
			q.mu.Unlock()
			return false
		}
		q.items = append(q.items[:i], q.items[i+1:]...)
		q.dropped++
	}
	q.items = append(q.items, m)
	q.mu.Unlock()
	q.wake()
	return true
}

// pushFront puts m before everything queued (the join or resumed message, which
// must come first even when the sfu sent events while it was being built). It is
// never refused.
func (q *outQueue) pushFront(m outMsg) {
	q.mu.Lock()
	q.items = append([]outMsg{m}, q.items...)
	q.mu.Unlock()
	q.wake()
}

func (q *outQueue) oldestLossy() int {
	for i, it := range q.items {
		if it.lossy {
			return i
		}
	}
	return -1
}

func (q *outQueue) wake() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// take removes and returns everything queued.
func (q *outQueue) take(buf []outMsg) []outMsg {
	q.mu.Lock()
	buf = append(buf[:0], q.items...)
	clear(q.items)
	q.items = q.items[:0]
	q.mu.Unlock()
	return buf
}

func (q *outQueue) droppedCount() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}
