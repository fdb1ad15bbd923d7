package sfu

import (
	"context"
	"errors"
	"github.com/ensemble-sfu/ensemble/vocab"
	"log/slog"
	"testing"

	"github.com/pion/webrtc/v4"
)

// FuzzAddICECandidate feeds arbitrary trickled candidates (target, candidate
// line, sdpMid, sdpMLineIndex, usernameFragment, as a client's trickle message
// carries them) to a participant whose two connections both have their remote
// description, so that every candidate reaches Pion's parser and ICE agent.
// Checked: an empty candidate (end of candidates) is accepted whatever its
// target; a candidate for an unknown target is refused with
// ErrInvalidArgument; otherwise the candidate is taken or refused with
// ErrInvalidArgument, never another error and never a panic; a candidate never
// closes the participant. The same candidate also goes to a participant that
// has no remote description yet: it is queued or refused with
// ErrInvalidArgument, and the queue stays bounded. flags: bit 0 sets sdpMid,
// bit 1 sdpMLineIndex, bit 2 usernameFragment.
//
// The participant's ICE never connects (there is no client), so it fails after
// the ICE timeouts: that participant is then replaced, as it is after every
// 200 candidates (the agent keeps every remote candidate it is given). The
// seeds are in testdata/fuzz/FuzzAddICECandidate.
func FuzzAddICECandidate(f *testing.F) {
	e, err := NewEngine(context.Background(), Config{BindIP: "127.0.0.1", TCPPort: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = e.Close() })
	room, err := e.GetOrCreateRoom("fuzz")
	if err != nil {
		f.Fatal(err)
	}
	if _, err := room.Join(JoinParams{Identity: "keeper", Sink: newEventLog()}); err != nil {
		f.Fatal(err)
	}
	fresh, err := room.Join(JoinParams{Identity: "fresh", Sink: newEventLog()})
	if err != nil {
		f.Fatal(err)
	}
	var p *Participant
	var log *eventLog
	added := 0

	f.Fuzz(func(t *testing.T, target, candidate, mid string, mline uint16, ufrag string, flags byte) {
		if !loopbackCandidate(candidate) {
			return
		}
		if p == nil || p.isClosed() || added >= 200 {
			if p != nil {
				p.Close(vocab.ReasonClientLeft)
			}
			p, log = readyParticipant(t, room)
			added = 0
		}
		init := webrtc.ICECandidateInit{Candidate: candidate}
		if flags&1 != 0 {
			init.SDPMid = &mid
		}
		if flags&2 != 0 {
			init.SDPMLineIndex = &mline
		}
		if flags&4 != 0 {
			init.UsernameFragment = &ufrag
		}
		// A participant that sent no description yet queues candidates, up to a bound.
		if ferr := fresh.AddICECandidate(ICECandidate{Target: vocab.Target(target), Candidate: init}); ferr != nil && !errors.Is(ferr, ErrInvalidArgument) {
			t.Fatalf("candidate before the remote description refused with an untyped error: %v", ferr)
		}
		if n := queuedCandidates(fresh); n > 2*maxQueuedCandidates {
			t.Fatalf("%d candidates queued before the remote descriptions", n)
		}
		err := p.AddICECandidate(ICECandidate{Target: vocab.Target(target), Candidate: init})
		known := vocab.Target(target) == vocab.TargetPublisher || vocab.Target(target) == vocab.TargetSubscriber
		switch {
		case errors.Is(err, ErrParticipantClosed) && closedBy(log) == vocab.ReasonTransportFailure:
			return // the ICE timeouts ran out meanwhile
		case candidate == "" && err != nil:
			t.Fatalf("end of candidates refused: %v", err)
		case candidate != "" && !known && !errors.Is(err, ErrInvalidArgument):
			t.Fatalf("candidate for target %q: %v, want ErrInvalidArgument", target, err)
		case err != nil && !errors.Is(err, ErrInvalidArgument):
			t.Fatalf("candidate refused with an untyped error: %v", err)
		case err == nil:
			added++
		}
		if p.isClosed() && closedBy(log) != vocab.ReasonTransportFailure {
			t.Fatalf("participant closed (%q) by a candidate", closedBy(log))
		}
	})
}

// queuedCandidates counts the candidates p's two connections hold for later.
func queuedCandidates(p *Participant) int {
	p.pub.mu.Lock()
	n := len(p.pub.candidates.queued)
	p.pub.mu.Unlock()
	p.sub.mu.Lock()
	defer p.sub.mu.Unlock()
	return n + len(p.sub.candidates.queued)
}

// readyParticipant joins a participant and gives both of its connections a
// remote description from a real client: a publisher offer with one audio
// track, and the answer to the server's subscriber offer.
func readyParticipant(tb testing.TB, room *Room) (*Participant, *eventLog) {
	tb.Helper()
	log := newEventLog()
	p, err := room.Join(JoinParams{Identity: "fuzzer", Sink: log, Permissions: vocab.Permissions{CanPublish: true}})
	if err != nil {
		tb.Fatal(err)
	}
	pc, err := newClientAPI().NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = pc.Close() }()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		tb.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := p.HandleOffer(offer.SDP); err != nil {
		tb.Fatalf("publisher offer: %v", err)
	}
	if err := p.HandleAnswer(clientAnswer(tb, log.all()[0].(SubscriberOffer).SDP)); err != nil {
		tb.Fatalf("subscriber answer: %v", err)
	}
	return p, log
}

// closedBy is the reason of the Closed event log received ("" if none).
func closedBy(log *eventLog) vocab.CloseReason {
	for _, ev := range log.all() {
		if c, ok := ev.(Closed); ok {
			return c.Reason
		}
	}
	return ""
}
