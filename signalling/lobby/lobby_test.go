package lobby_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ensemble-sfu/ensemble/signalling/lobby"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type knockResult struct {
	d   lobby.Decision
	err error
}

// knockAsync starts a Knock and returns where its result arrives.
func knockAsync(ctx context.Context, l *lobby.Lobby, room, identity string) <-chan knockResult {
	ch := make(chan knockResult, 1)
	go func() {
		d, err := l.Knock(ctx, room, identity, "Name of "+identity)
		ch <- knockResult{d, err}
	}()
	return ch
}

// waitFor polls cond until it holds or the test's deadline nears.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func waitingCount(l *lobby.Lobby, room string, n int) func() bool {
	return func() bool { return len(l.Waiting(room)) == n }
}

func result(t *testing.T, ch <-chan knockResult) knockResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("Knock did not return")
		return knockResult{}
	}
}

func TestAdmittedGuestGetsAdmitted(t *testing.T) {
	l := lobby.New(lobby.Config{})
	defer l.Close()
	ch := knockAsync(t.Context(), l, "room", "alice")
	waitFor(t, "alice waiting", waitingCount(l, "room", 1))
	g := l.Waiting("room")[0]
	if g.Identity != "alice" || g.Name != "Name of alice" || g.Room != "room" || g.Since.IsZero() {
		t.Fatalf("waiting guest = %+v", g)
	}
	if err := l.Admit("room", "alice"); err != nil {
		t.Fatal(err)
	}
	if r := result(t, ch); r.err != nil || r.d != lobby.Admitted {
		t.Fatalf("Knock = %v, %v; want admitted", r.d, r.err)
	}
	if n := len(l.Waiting("room")); n != 0 {
		t.Fatalf("%d still waiting after admission", n)
	}
}

func TestRefusedGuestIsToldSo(t *testing.T) {
	l := lobby.New(lobby.Config{})
	defer l.Close()
	ch := knockAsync(t.Context(), l, "room", "bob")
	waitFor(t, "bob waiting", waitingCount(l, "room", 1))
	if err := l.Refuse("room", "bob"); err != nil {
		t.Fatal(err)
	}
	if r := result(t, ch); r.err != nil || r.d != lobby.Refused {
		t.Fatalf("Knock = %v, %v; want refused", r.d, r.err)
	}
}

func TestDecisionOnNobodyFails(t *testing.T) {
	l := lobby.New(lobby.Config{})
	defer l.Close()
	if err := l.Admit("room", "ghost"); !errors.Is(err, lobby.ErrNotWaiting) {
		t.Fatalf("Admit(ghost) = %v, want ErrNotWaiting", err)
	}
	ch := knockAsync(t.Context(), l, "room", "carol")
	waitFor(t, "carol waiting", waitingCount(l, "room", 1))
	if err := l.Refuse("other-room", "carol"); !errors.Is(err, lobby.ErrNotWaiting) {
		t.Fatalf("Refuse in another room = %v, want ErrNotWaiting", err)
	}
	if err := l.Admit("room", "carol"); err != nil {
		t.Fatal(err)
	}
	result(t, ch)
	if err := l.Admit("room", "carol"); !errors.Is(err, lobby.ErrNotWaiting) {
		t.Fatalf("second Admit = %v, want ErrNotWaiting", err)
	}
}

func TestKnockEndsWithItsContext(t *testing.T) {
	l := lobby.New(lobby.Config{})
	defer l.Close()
	var mu sync.Mutex
	var events []lobby.Event
	stop := l.Subscribe("room", func(ev lobby.Event) { mu.Lock(); events = append(events, ev); mu.Unlock() })
	defer stop()

	ctx, cancel := context.WithCancel(t.Context())
	ch := knockAsync(ctx, l, "room", "dave")
	waitFor(t, "dave waiting", waitingCount(l, "room", 1))
	cancel()
	if r := result(t, ch); !errors.Is(r.err, context.Canceled) || r.d != "" {
		t.Fatalf("Knock = %q, %v; want context.Canceled", r.d, r.err)
	}
	if n := len(l.Waiting("room")); n != 0 {
		t.Fatalf("%d still waiting after the guest gave up", n)
	}
	waitFor(t, "two events", func() bool { mu.Lock(); defer mu.Unlock(); return len(events) == 2 })
	if events[0].Type != lobby.EventKnock || events[1].Type != lobby.EventLeft || events[1].Reason != lobby.ReasonCancelled {
		t.Fatalf("events = %+v", events)
	}
}

func TestKnockWithEndedContextDoesNotWait(t *testing.T) {
	l := lobby.New(lobby.Config{})
	defer l.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := l.Knock(ctx, "room", "erin", ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("Knock = %v", err)
	}
	if n := len(l.Waiting("room")); n != 0 {
		t.Fatalf("%d waiting", n)
	}
}

func TestKnockNeedsRoomAndIdentity(t *testing.T) {
	l := lobby.New(lobby.Config{})
	defer l.Close()
	for _, tc := range []struct{ room, identity string }{{"", "x"}, {"r", ""}} {
		if _, err := l.Knock(t.Context(), tc.room, tc.identity, ""); !errors.Is(err, lobby.ErrInvalidArgument) {
			t.Errorf("Knock(%q, %q) = %v, want ErrInvalidArgument", tc.room, tc.identity, err)
		}
	}
}

func TestSecondKnockReplacesTheFirst(t *testing.T) {
	l := lobby.New(lobby.Config{})
	defer l.Close()
	first := knockAsync(t.Context(), l, "room", "frank")
	waitFor(t, "frank waiting", waitingCount(l, "room", 1))
	second := knockAsync(t.Context(), l, "room", "frank")
	if r := result(t, first); !errors.Is(r.err, lobby.ErrReplaced) {
		t.Fatalf("first Knock = %v, want ErrReplaced", r.err)
	}
	waitFor(t, "second knock waiting", waitingCount(l, "room", 1))
	if err := l.Admit("room", "frank"); err != nil {
		t.Fatal(err)
	}
	if r := result(t, second); r.d != lobby.Admitted {
		t.Fatalf("second Knock = %v, %v", r.d, r.err)
	}
}

func TestFullLobbyRefusesKnocks(t *testing.T) {
	l := lobby.New(lobby.Config{MaxWaiting: 2})
	defer l.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	a := knockAsync(ctx, l, "room", "a")
	b := knockAsync(ctx, l, "room", "b")
	waitFor(t, "two waiting", waitingCount(l, "room", 2))
	if _, err := l.Knock(ctx, "room", "c", ""); !errors.Is(err, lobby.ErrLobbyFull) {
		t.Fatalf("third Knock = %v, want ErrLobbyFull", err)
	}
	// Other rooms are not affected.
	o := knockAsync(ctx, l, "other", "c")
	waitFor(t, "other room waiting", waitingCount(l, "other", 1))
	cancel()
	result(t, a)
	result(t, b)
	result(t, o)
}

func TestCloseRoomAndCloseReleaseGuests(t *testing.T) {
	l := lobby.New(lobby.Config{})
	a := knockAsync(t.Context(), l, "doomed", "a")
	b := knockAsync(t.Context(), l, "kept", "b")
	waitFor(t, "a waiting", waitingCount(l, "doomed", 1))
	waitFor(t, "b waiting", waitingCount(l, "kept", 1))
	l.CloseRoom("doomed")
	if r := result(t, a); !errors.Is(r.err, lobby.ErrRoomClosed) {
		t.Fatalf("Knock in closed room = %v", r.err)
	}
	if n := len(l.Waiting("kept")); n != 1 {
		t.Fatalf("CloseRoom touched another room: %d waiting", n)
	}
	l.Close()
	if r := result(t, b); !errors.Is(r.err, lobby.ErrClosed) {
		t.Fatalf("Knock after Close = %v", r.err)
	}
	if _, err := l.Knock(t.Context(), "kept", "c", ""); !errors.Is(err, lobby.ErrClosed) {
		t.Fatalf("Knock on a closed lobby = %v", err)
	}
	l.Close() // idempotent
	stop := l.Subscribe("kept", func(lobby.Event) { t.Error("event on a closed lobby") })
	stop()
}

func TestLateSubscriberSeesWholeQueueInOrder(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var clockMu sync.Mutex
	l := lobby.New(lobby.Config{Now: func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		now = now.Add(time.Second)
		return now
	}})
	defer l.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var results []<-chan knockResult
	for i := range 3 {
		results = append(results, knockAsync(ctx, l, "room", fmt.Sprint("g", i)))
		waitFor(t, "guest waiting", waitingCount(l, "room", i+1))
	}
	got := make(chan lobby.Event, 10)
	stop := l.Subscribe("room", func(ev lobby.Event) { got <- ev })
	defer stop()
	for i := range 3 {
		ev := <-got
		if ev.Type != lobby.EventKnock || ev.Guest.Identity != fmt.Sprint("g", i) {
			t.Fatalf("event %d = %+v", i, ev)
		}
	}
	if err := l.Admit("room", "g1"); err != nil {
		t.Fatal(err)
	}
	if ev := <-got; ev.Type != lobby.EventLeft || ev.Reason != "admitted" || ev.Guest.Identity != "g1" {
		t.Fatalf("after Admit: %+v", ev)
	}
	cancel()
	for _, r := range results {
		result(t, r)
	}
}

// An admin callback that decides from inside the callback (as a signalling session
// relaying a client's request would, indirectly) must not deadlock, and every one of
// many concurrent guests gets the decision meant for them.
func TestManyGuestsDecidedFromSubscriber(t *testing.T) {
	l := lobby.New(lobby.Config{})
	defer l.Close()
	var calls sync.WaitGroup
	stop := l.Subscribe("room", func(ev lobby.Event) {
		if ev.Type != lobby.EventKnock {
			return
		}
		var n int
		fmt.Sscanf(ev.Guest.Identity, "g%d", &n)
		var err error
		if n%2 == 0 {
			err = l.Admit("room", ev.Guest.Identity)
		} else {
			err = l.Refuse("room", ev.Guest.Identity)
		}
		if err != nil {
			t.Errorf("decide %s: %v", ev.Guest.Identity, err)
		}
	})
	defer stop()
	const guests = 100
	errs := make(chan error, guests)
	for i := range guests {
		calls.Add(1)
		go func() {
			defer calls.Done()
			d, err := l.Knock(t.Context(), "room", fmt.Sprint("g", i), "")
			want := lobby.Admitted
			if i%2 == 1 {
				want = lobby.Refused
			}
			if err != nil || d != want {
				errs <- fmt.Errorf("g%d: Knock = %q, %v; want %q", i, d, err, want)
			}
		}()
	}
	calls.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A decision racing with the guest giving up ends one way or the other, never both,
// and never leaves the guest listed.
func TestDecisionRacingWithCancellation(t *testing.T) {
	l := lobby.New(lobby.Config{})
	defer l.Close()
	for i := range 200 {
		id := fmt.Sprint("r", i)
		ctx, cancel := context.WithCancel(t.Context())
		ch := knockAsync(ctx, l, "room", id)
		waitFor(t, "guest waiting", waitingCount(l, "room", 1))
		var wg sync.WaitGroup
		var admitErr error
		wg.Go(func() { admitErr = l.Admit("room", id) })
		wg.Go(cancel)
		wg.Wait()
		r := result(t, ch)
		switch {
		case admitErr == nil && r.d == lobby.Admitted && r.err == nil:
		case errors.Is(admitErr, lobby.ErrNotWaiting) && errors.Is(r.err, context.Canceled):
		default:
			t.Fatalf("round %d: Admit = %v, Knock = %q, %v", i, admitErr, r.d, r.err)
		}
		if n := len(l.Waiting("room")); n != 0 {
			t.Fatalf("round %d: %d still waiting", i, n)
		}
	}
}

func TestStopFromInsideCallback(t *testing.T) {
	l := lobby.New(lobby.Config{})
	defer l.Close()
	calls := make(chan struct{}, 10)
	var stop func()
	var ready sync.WaitGroup
	ready.Add(1)
	stop = l.Subscribe("room", func(lobby.Event) {
		ready.Wait()
		calls <- struct{}{}
		stop()
	})
	ready.Done()
	ctx, cancel := context.WithCancel(t.Context())
	ch := knockAsync(ctx, l, "room", "a")
	<-calls
	cancel()
	result(t, ch)
	ch = knockAsync(t.Context(), l, "room", "b")
	waitFor(t, "b waiting", waitingCount(l, "room", 1))
	if err := l.Refuse("room", "b"); err != nil {
		t.Fatal(err)
	}
	result(t, ch)
	if n := len(calls); n != 0 {
		t.Fatalf("%d calls after stop", n)
	}
}
