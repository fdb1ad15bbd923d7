package server

import (
	"testing"
	"time"
)

func TestOutQueueDropsLossyFirstAndRefusesReliableOverflow(t *testing.T) {
	q := newOutQueue(3)
	if !q.push(outMsg{typ: "a"}) || !q.push(outMsg{typ: "speakers", lossy: true}) || !q.push(outMsg{typ: "b"}) {
		t.Fatal("push into a queue with room failed")
	}
	if !q.push(outMsg{typ: "quality", lossy: true}) {
		t.Fatal("a lossy message into a full queue must be dropped, not refused")
	}
	if !q.push(outMsg{typ: "c"}) {
		t.Fatal("a reliable message must replace a queued lossy one")
	}
	if q.push(outMsg{typ: "d"}) {
		t.Fatal("a reliable message into a queue of reliable ones must be refused")
	}
	q.pushFront(outMsg{typ: "join"})
	var got []string
	for _, m := range q.take(nil) {
		got = append(got, m.typ)
	}
	want := []string{"join", "a", "b", "c"}
	if len(got) != len(want) {
		t.Fatalf("queue = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("queue = %v, want %v", got, want)
		}
	}
	if q.droppedCount() != 2 {
		t.Errorf("dropped %d, want 2", q.droppedCount())
	}
}

func TestTokenBucket(t *testing.T) {
	b := newTokenBucket(10, 3)
	now := time.Unix(0, 0)
	for i := range 3 {
		if !b.allow(now) {
			t.Fatalf("burst message %d refused", i)
		}
	}
	if b.allow(now) {
		t.Fatal("fourth message at once allowed with a burst of 3")
	}
	if !b.allow(now.Add(100 * time.Millisecond)) { // 100 ms at 10/s refills one
		t.Fatal("refill after 100 ms refused")
	}
}
