package sfu

import (
	"errors"
	"github.com/ensemble-sfu/ensemble/vocab"
	"testing"

	"github.com/pion/webrtc/v4"
)

// A client that trickles candidates and never sends its description made the
// server queue every one of them. The queue is bounded now; the candidates
// queued within the bound are still used once the description comes.
func TestCandidatesBeforeTheDescriptionAreBounded(t *testing.T) {
	room, err := newTestEngine(t).GetOrCreateRoom("trickle")
	if err != nil {
		t.Fatal(err)
	}
	p, err := room.Join(JoinParams{Identity: "alice", Sink: newEventLog(), Permissions: vocab.Permissions{CanPublish: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(vocab.ReasonClientLeft) })
	cand := ICECandidate{Target: vocab.TargetPublisher, Candidate: webrtc.ICECandidateInit{
		Candidate: "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host"}}
	for i := range maxQueuedCandidates {
		if err := p.AddICECandidate(cand); err != nil {
			t.Fatalf("candidate %d: %v", i, err)
		}
	}
	if err := p.AddICECandidate(cand); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("candidate past the bound: %v, want ErrInvalidArgument", err)
	}
	if n := queuedCandidates(p); n != maxQueuedCandidates {
		t.Fatalf("%d queued, want %d", n, maxQueuedCandidates)
	}
	// The subscriber connection has its own queue, still empty.
	cand.Target = vocab.TargetSubscriber
	if err := p.AddICECandidate(cand); err != nil {
		t.Fatalf("subscriber candidate: %v", err)
	}
}
