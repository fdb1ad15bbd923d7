package lobby

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// DefaultMaxWaiting bounds the guests waiting in one room, so that a flood of knocks
// cannot grow the server's memory without end.
const DefaultMaxWaiting = 256

// Config configures a Lobby; the zero value is usable.
type Config struct {
	// MaxWaiting is the most guests one room's lobby holds; 0 means DefaultMaxWaiting.
	MaxWaiting int
	Logger     *slog.Logger
	// Now returns the current time (tests fix it); nil means time.Now.
	Now func() time.Time
}

// Lobby holds the guests waiting in every room. It is safe for concurrent use.
type Lobby struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	closed bool
	rooms  map[string]map[string]*waiter // room -> identity -> waiter
	subs   map[string][]*subscriber      // room -> subscribers
	subWG  sync.WaitGroup                // subscriber goroutines
}

// waiter is one knock in progress. Its fields after done are written once, under
// Lobby.mu, before done is closed.
type waiter struct {
	guest    Guest
	done     chan struct{}
	decision Decision
	err      error
}

// New returns an empty Lobby. Close it to release waiting guests and subscribers.
func New(cfg Config) *Lobby {
	if cfg.MaxWaiting <= 0 {
		cfg.MaxWaiting = DefaultMaxWaiting
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Lobby{
		cfg:   cfg,
		log:   log.With("component", "lobby"),
		rooms: make(map[string]map[string]*waiter),
		subs:  make(map[string][]*subscriber),
	}
}

// Knock puts the guest in room's lobby and blocks until a room admin admits or
// refuses them (Admitted or Refused with a nil error), or until ctx ends (ctx.Err()),
// the same identity knocks again (ErrReplaced), the room closes (ErrRoomClosed) or the
// Lobby closes (ErrClosed). When Knock returns the guest no longer waits.
func (l *Lobby) Knock(ctx context.Context, room, identity, name string) (Decision, error) {
	if room == "" || identity == "" {
		return "", fmt.Errorf("%w: knock needs a room and an identity", ErrInvalidArgument)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	w := &waiter{
		guest: Guest{Room: room, Identity: identity, Name: name, Since: l.cfg.Now()},
		done:  make(chan struct{}),
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return "", ErrClosed
	}
	waiting := l.rooms[room]
	if waiting == nil {
		waiting = make(map[string]*waiter)
		l.rooms[room] = waiting
	}
	if old := waiting[identity]; old != nil {
		l.finishLocked(old, "", ErrReplaced, ReasonReplaced)
		waiting = l.rooms[room]
		if waiting == nil {
			waiting = make(map[string]*waiter)
			l.rooms[room] = waiting
		}
	} else if len(waiting) >= l.cfg.MaxWaiting {
		l.mu.Unlock()
		l.log.Warn("lobby full, knock refused", "room", room, "participant", identity)
		return "", fmt.Errorf("%w (%d in room %q)", ErrLobbyFull, l.cfg.MaxWaiting, room)
	}
	waiting[identity] = w
	l.notifyLocked(room, Event{Type: EventKnock, Guest: w.guest})
	l.mu.Unlock()
	l.log.Info("guest knocks", "room", room, "participant", identity)

	select {
	case <-w.done:
	case <-ctx.Done():
		l.mu.Lock()
		if l.rooms[room][identity] == w {
			l.finishLocked(w, "", ctx.Err(), ReasonCancelled)
		}
		l.mu.Unlock()
		<-w.done // closed by us or by a decision that won the race
	}
	return w.decision, w.err
}

// Admit lets the waiting guest in; their Knock returns Admitted.
func (l *Lobby) Admit(room, identity string) error {
	return l.decide(room, identity, Admitted)
}

// Refuse turns the waiting guest away; their Knock returns Refused.
func (l *Lobby) Refuse(room, identity string) error {
	return l.decide(room, identity, Refused)
}

func (l *Lobby) decide(room, identity string, d Decision) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.rooms[room][identity]
	if w == nil {
		return fmt.Errorf("%w: %q in room %q", ErrNotWaiting, identity, room)
	}
	l.finishLocked(w, d, nil, string(d))
	l.log.Info("lobby decision", "room", room, "participant", identity, "decision", d)
	return nil
}

// Waiting lists the guests waiting in room, longest-waiting first.
func (l *Lobby) Waiting(room string) []Guest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waitingLocked(room)
}

func (l *Lobby) waitingLocked(room string) []Guest {
	out := make([]Guest, 0, len(l.rooms[room]))
	for _, w := range l.rooms[room] {
		out = append(out, w.guest)
	}
	slices.SortFunc(out, func(a, b Guest) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return cmp.Compare(a.Identity, b.Identity)
	})
	return out
}

// CloseRoom ends every knock in room with ErrRoomClosed (the room was deleted).
// Subscribers stay: a room of the same name may start again.
func (l *Lobby) CloseRoom(room string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, w := range l.rooms[room] {
		l.finishLocked(w, "", ErrRoomClosed, ReasonRoomClosed)
	}
}

// Close ends every knock with ErrClosed, stops every subscription and waits for the
// subscriber goroutines. Later Knocks fail with ErrClosed. Close is idempotent.
func (l *Lobby) Close() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		for _, waiting := range l.rooms {
			for _, w := range waiting {
				l.finishLocked(w, "", ErrClosed, ReasonRoomClosed)
			}
		}
		for room, subs := range l.subs {
			for _, s := range subs {
				s.stop()
			}
			delete(l.subs, room)
		}
	}
	l.mu.Unlock()
	l.subWG.Wait()
}

// finishLocked ends a knock: the guest leaves the waiting list, Knock wakes up and
// subscribers hear EventLeft. l.mu must be held.
func (l *Lobby) finishLocked(w *waiter, d Decision, err error, reason string) {
	room, identity := w.guest.Room, w.guest.Identity
	if waiting := l.rooms[room]; waiting[identity] == w {
		delete(waiting, identity)
		if len(waiting) == 0 {
			delete(l.rooms, room)
		}
	}
	w.decision, w.err = d, err
	close(w.done)
	l.notifyLocked(room, Event{Type: EventLeft, Guest: w.guest, Reason: reason})
}
