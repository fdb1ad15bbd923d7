package server_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// closeReason reads c's messages until the session's close and returns its reason.
func closeReason(t *testing.T, c *testClient) vocab.CloseReason {
	t.Helper()
	for {
		msg, err := c.read(10 * time.Second)
		if err != nil {
			t.Fatalf("waiting for close: %v", err)
		}
		if ev, ok := msg.Body.(protocol.CloseEvent); ok {
			return ev.Reason
		}
	}
}

// A join that arrives while the room's last participant leaves is never accepted
// and then closed with room_deleted: 200 rounds of "the last one leaves while
// another joins", each in its own room, lose no join. The room decides to close
// only under its lock, after checking it is still empty; a join that finds it
// closing gets a new room.
func TestJoinWhileLastLeavesIsNeverLost(t *testing.T) {
	srv := servertest.Start(t)
	const rounds = 200
	joiners := make([]*testClient, rounds)
	for i := range rounds {
		room := fmt.Sprintf("race-%d", i)
		leaver := connect(t, srv.RTCURL(srv.Token(room, "leaver")), protocol.TypeJoin)
		joinURL := srv.RTCURL(srv.Token(room, "joiner"))
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			leaver.trySend(protocol.TypeLeave, 0, nil)
		}()
		joiners[i] = connect(t, joinURL, protocol.TypeJoin)
		wg.Wait()
		if r := closeReason(t, leaver); r != vocab.ReasonClientLeft {
			t.Fatalf("round %d: the leaver's session ended with %q, want %q", i, r, vocab.ReasonClientLeft)
		}
	}
	// Every joiner's session is still open: leaving now is the first close it sees.
	lost := 0
	for i, c := range joiners {
		c.trySend(protocol.TypeLeave, 0, nil)
		if r := closeReason(t, c); r != vocab.ReasonClientLeft {
			lost++
			t.Errorf("round %d: the joiner's session ended with %q, want %q", i, r, vocab.ReasonClientLeft)
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d joins lost to a closing room", lost, rounds)
	}
}
