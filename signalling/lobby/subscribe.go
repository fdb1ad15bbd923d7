package lobby

import (
	"log/slog"
	"slices"
	"sync"
)

// maxSubscriberQueue bounds the events queued for one slow subscriber. Lobby events
// are rare (one per knock and per decision), so reaching it means the subscriber is
// stuck; it then misses events and can resynchronise with Waiting.
const maxSubscriberQueue = 1024

// Subscribe calls fn for every lobby event of room, in order, starting with an
// EventKnock for each guest already waiting (so that an admin who arrives late sees
// the whole queue). fn runs on a goroutine of its own subscription, never on the
// caller's: it may block a little and may call back into the Lobby (Admit, Refuse,
// Waiting). The returned stop function ends the subscription and returns at once:
// queued events are discarded, at most the one being delivered still reaches fn, and
// the goroutine ends right after. stop is idempotent and may be called from fn; Close
// waits for every subscription goroutine.
func (l *Lobby) Subscribe(room string, fn func(Event)) (stop func()) {
	s := &subscriber{fn: fn, wake: make(chan struct{}, 1), quit: make(chan struct{}), log: l.log.With("room", room)}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return func() {}
	}
	for _, g := range l.waitingLocked(room) {
		s.push(Event{Type: EventKnock, Guest: g})
	}
	l.subs[room] = append(l.subs[room], s)
	l.subWG.Add(1)
	l.mu.Unlock()
	go func() {
		defer l.subWG.Done()
		s.run()
	}()
	return func() {
		l.mu.Lock()
		l.subs[room] = slices.DeleteFunc(l.subs[room], func(x *subscriber) bool { return x == s })
		if len(l.subs[room]) == 0 {
			delete(l.subs, room)
		}
		l.mu.Unlock()
		s.stop()
	}
}

// notifyLocked queues ev for room's subscribers. Queuing under l.mu keeps every
// subscriber's view in the order the lobby changed.
func (l *Lobby) notifyLocked(room string, ev Event) {
	for _, s := range l.subs[room] {
		s.push(ev)
	}
}

// subscriber delivers one subscription's events from its own goroutine, so that a
// slow callback never holds the lobby's lock.
type subscriber struct {
	fn   func(Event)
	wake chan struct{}
	quit chan struct{}
	log  *slog.Logger

	mu      sync.Mutex
	queue   []Event
	stopped bool
}

func (s *subscriber) push(ev Event) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	if len(s.queue) >= maxSubscriberQueue {
		s.mu.Unlock()
		s.log.Warn("lobby subscriber too slow, event dropped", "event", ev.Type, "participant", ev.Guest.Identity)
		return
	}
	s.queue = append(s.queue, ev)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopped {
		s.stopped = true
		s.queue = nil
		close(s.quit)
	}
}

// next pops the oldest queued event; ok is false when there is none or the
// subscription stopped.
func (s *subscriber) next() (Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || len(s.queue) == 0 {
		return Event{}, false
	}
	ev := s.queue[0]
	s.queue[0] = Event{}
	s.queue = s.queue[1:]
	return ev, true
}

func (s *subscriber) run() {
	for {
		for {
			ev, ok := s.next()
			if !ok {
				break
			}
			s.fn(ev)
		}
		select {
		case <-s.quit:
			return
		case <-s.wake:
		}
	}
}
