package sfu

import (
	"errors"
	"github.com/ensemble-sfu/ensemble/vocab"
	"strings"
	"testing"
)

// An answer with more media sections than the offer was accepted by Pion, after
// which the subscriber connection could make no offer at all ("cannot find
// transceiver with mid"): found by FuzzHandleAnswer. It is refused now, and the
// offer stays outstanding for a proper answer.
func TestAnswerWithExtraMediaSectionIsRefused(t *testing.T) {
	room, err := newTestEngine(t).GetOrCreateRoom("answers")
	if err != nil {
		t.Fatal(err)
	}
	log := newEventLog()
	p, err := room.Join(JoinParams{Identity: "alice", Sink: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(vocab.ReasonClientLeft) })
	offer := log.all()[0].(SubscriberOffer).SDP
	answer := clientAnswer(t, offer)

	extra := answer + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:9\r\na=rtpmap:96 VP8/90000\r\na=recvonly\r\n"
	if err := p.HandleAnswer(extra); !errors.Is(err, ErrInvalidSDP) || !strings.Contains(err.Error(), "2 media sections, the offer 1") {
		t.Fatalf("answer with an extra section: %v, want ErrInvalidSDP naming the counts", err)
	}
	renamed := strings.Replace(answer, "a=mid:0", "a=mid:x", 1)
	if err := p.HandleAnswer(renamed); !errors.Is(err, ErrInvalidSDP) || !strings.Contains(err.Error(), `mid "x"`) {
		t.Fatalf("answer with another mid: %v, want ErrInvalidSDP naming the mid", err)
	}
	if err := p.HandleAnswer(answer); err != nil {
		t.Fatalf("the real answer after the refused ones: %v", err)
	}
	if err := p.sub.restartICE(); err != nil || !offering(p.sub) {
		t.Fatalf("no offer after the answer: %v", err)
	}
}
