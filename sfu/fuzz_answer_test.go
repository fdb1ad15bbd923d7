package sfu

import (
	"context"
	"errors"
	"github.com/ensemble-sfu/ensemble/vocab"
	"log/slog"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// FuzzHandleAnswer feeds arbitrary text to a participant's subscriber connection
// as the answer to the server's outstanding offer. Checked: it is applied or
// refused with ErrInvalidSDP (never another error, never a panic); a refused
// answer leaves the offer outstanding and the participant open; after an
// accepted answer the connection can still make a new offer (a client cannot
// wedge its own negotiation with a strange answer). The seeds include a real
// client's answer to the server's offer, made at start.
//
// An accepted answer starts ICE toward a client that does not exist; that
// participant is replaced by a new one, so that no ICE agent runs in the
// background of later inputs (its timers would close the participant and make
// coverage noisy).
func FuzzHandleAnswer(f *testing.F) {
	e, err := NewEngine(context.Background(), Config{BindIP: "127.0.0.1", TCPPort: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = e.Close() })
	room, err := e.GetOrCreateRoom("fuzz")
	if err != nil {
		f.Fatal(err)
	}
	// The keeper never answers; it keeps the room open while fuzzers are replaced.
	if _, err := room.Join(JoinParams{Identity: "keeper", Sink: newEventLog()}); err != nil {
		f.Fatal(err)
	}
	join := func(tb testing.TB) (*Participant, string) {
		log := newEventLog()
		p, err := room.Join(JoinParams{Identity: "fuzzer", Sink: log})
		if err != nil {
			tb.Fatal(err)
		}
		for _, ev := range log.all() {
			if o, ok := ev.(SubscriberOffer); ok {
				return p, o.SDP
			}
		}
		tb.Fatal("no subscriber offer after join")
		return nil, ""
	}
	p, offer := join(f)
	real := clientAnswer(f, offer)
	f.Add(real)
	// The same answer with its fingerprint and ICE credentials damaged.
	f.Add(strings.Replace(real, "a=fingerprint:sha-256 ", "a=fingerprint:sha-256 00:", 1))
	f.Add(strings.Replace(real, "a=ice-ufrag:", "a=ice-ufrag:x", 1))

	f.Fuzz(func(t *testing.T, answer string) {
		if !loopbackSDP(answer) {
			return
		}
		if p == nil {
			p, _ = join(t)
		}
		if !offering(p.sub) {
			t.Fatal("no offer outstanding before the answer")
		}
		err := p.HandleAnswer(answer)
		switch {
		case err == nil:
			// The next offer (an ICE restart, as on a resume) can still be made.
			err := p.sub.restartICE()
			ok := offering(p.sub)
			p.Close(vocab.ReasonClientLeft)
			p = nil
			if err != nil || !ok {
				t.Fatalf("no new offer after accepted answer %q: %v", answer, err)
			}
		case errors.Is(err, ErrInvalidSDP):
			if !offering(p.sub) {
				t.Fatal("refused answer dropped the outstanding offer")
			}
			if p.isClosed() {
				t.Fatal("participant closed by a refused answer")
			}
		default:
			t.Fatalf("answer refused with an untyped error: %v", err)
		}
	})
}

func offering(c *subscriberConn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offering
}

// clientAnswer is what a real Pion client answers to offer.
func clientAnswer(tb testing.TB, offer string) string {
	tb.Helper()
	pc, err := newClientAPI().NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = pc.Close() }()
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		tb.Fatal(err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return answer.SDP
}
