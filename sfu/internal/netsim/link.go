package netsim

import (
	"sync"
	"time"
)

// DefaultMaxDelay bounds the queue: a datagram that would wait longer is dropped.
const DefaultMaxDelay = 200 * time.Millisecond

// Link is a capped link: a token bucket feeding from a drop-tail queue.
type Link struct {
	mu       sync.Mutex
	rate     int // bits per second; 0 = unlimited
	maxDelay time.Duration
	tokens   float64 // bytes available now
	last     time.Time
	queued   int // bytes waiting
	wake     chan struct{}

	delivered, dropped, deliveredBytes uint64
}

// NewLink returns a link capped at rate bits per second (0 = unlimited).
func NewLink(rate int) *Link {
	return &Link{rate: rate, maxDelay: DefaultMaxDelay, last: time.Now(), wake: make(chan struct{}, 1)}
}

// SetRate changes the cap (bits per second; 0 = unlimited) from now on.
func (l *Link) SetRate(rate int) {
	l.mu.Lock()
	l.refillLocked(time.Now())
	l.rate = rate
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Rate returns the current cap.
func (l *Link) Rate() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}

// Stats returns the datagrams delivered and dropped so far, and the bytes delivered.
func (l *Link) Stats() (delivered, dropped, bytes uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.delivered, l.dropped, l.deliveredBytes
}

// burst is what the bucket holds at most: a few full datagrams, so that a
// capped link still passes a frame's packets back to back at its rate.
const burst = 4 * 1500

func (l *Link) refillLocked(now time.Time) {
	if l.rate > 0 {
		l.tokens += now.Sub(l.last).Seconds() * float64(l.rate) / 8
		if l.tokens > burst {
			l.tokens = burst
		}
	}
	l.last = now
}

// admit decides whether a datagram of n bytes enters the queue (false =
// dropped at the tail).
func (l *Link) admit(n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate > 0 {
		limit := float64(l.rate) / 8 * l.maxDelay.Seconds()
		if float64(l.queued+n) > limit+burst {
			l.dropped++
			return false
		}
	}
	l.queued += n
	return true
}

// waitSend blocks until the head datagram of n bytes may leave, or stop closes.
func (l *Link) waitSend(n int, stop <-chan struct{}) bool {
	for {
		l.mu.Lock()
		now := time.Now()
		l.refillLocked(now)
		if l.rate <= 0 || l.tokens >= float64(n) {
			if l.rate > 0 {
				l.tokens -= float64(n)
			}
			l.queued -= n
			l.delivered++
			l.deliveredBytes += uint64(n)
			l.mu.Unlock()
			return true
		}
		wait := time.Duration((float64(n) - l.tokens) * 8 / float64(l.rate) * float64(time.Second))
		l.mu.Unlock()
		t := time.NewTimer(max(wait, 100*time.Microsecond))
		select {
		case <-stop:
			t.Stop()
			return false
		case <-l.wake:
			t.Stop()
		case <-t.C:
		}
	}
}
