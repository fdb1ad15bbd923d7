package loadtest

import (
	"log/slog"
	"slices"
	"sync"
	"time"
)

// feedbackSlots is how many groups the light subscribers' feedback is spread
// over: every feedbackEvery/feedbackSlots one group sends, so that a thousand
// subscribers' feedback is a steady trickle rather than a burst every 100 ms.
const feedbackSlots = 10

// feedbackClock sends every light subscriber's feedback (lightReceiver.sendFeedback)
// every feedbackEvery, from one goroutine for the whole run. One ticker and one
// goroutine per subscriber cost the generator a timer and a goroutine wake-up
// per subscriber every 100 ms: a tenth of its time at 300 subscribers.
type feedbackClock struct {
	log *slog.Logger

	mu    sync.Mutex
	slots [feedbackSlots][]*lightReceiver
	next  int // the slot the next receiver joins

	stop chan struct{}
	done chan struct{}
}

func newFeedbackClock(log *slog.Logger) *feedbackClock {
	c := &feedbackClock{log: log, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// add starts sending r's feedback.
func (c *feedbackClock) add(r *lightReceiver) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slots[c.next] = append(c.slots[c.next], r)
	c.next = (c.next + 1) % feedbackSlots
}

// remove stops sending r's feedback; once it returns, none of r's is being sent.
func (c *feedbackClock) remove(r *lightReceiver) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, slot := range c.slots {
		c.slots[i] = slices.DeleteFunc(slot, func(x *lightReceiver) bool { return x == r })
	}
}

func (c *feedbackClock) run() {
	defer close(c.done)
	t := time.NewTicker(feedbackEvery / feedbackSlots)
	defer t.Stop()
	for slot := 0; ; slot = (slot + 1) % feedbackSlots {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		// Under the lock, so that remove waits for a send in progress: a
		// receiver's connection is closed after remove.
		c.mu.Lock()
		for _, r := range c.slots[slot] {
			if err := r.sendFeedback(); err != nil {
				c.log.Debug("loadtest: light subscriber feedback", "err", err)
			}
		}
		c.mu.Unlock()
	}
}

// close stops the clock and waits for it.
func (c *feedbackClock) close() {
	close(c.stop)
	<-c.done
}
