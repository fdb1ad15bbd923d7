package sfu

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
)

// FuzzHandleOffer feeds arbitrary text to a participant's publisher connection
// as an offer: it must be answered or refused with an error, never crash.
func FuzzHandleOffer(f *testing.F) {
	f.Add("")
	f.Add("garbage")
	f.Add(validButUnrelatedSDP)
	f.Add("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n" +
		"a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
		"a=fingerprint:sha-256 00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00\r\n" +
		"a=setup:actpass\r\na=rtpmap:111 opus/48000/2\r\n")

	e, err := NewEngine(context.Background(), Config{
		BindIP: "127.0.0.1", TCPPort: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = e.Close() })
	room, err := e.GetOrCreateRoom("fuzz")
	if err != nil {
		f.Fatal(err)
	}
	p, err := room.Join(JoinParams{Identity: "fuzzer", Sink: EventSinkFunc(func(Event) {})})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, offer string) {
		answer, err := p.HandleOffer(offer)
		if err == nil && answer == "" {
			t.Fatal("no error and no answer")
		}
		if errors.Is(err, ErrParticipantClosed) {
			t.Fatal("participant closed by a bad offer")
		}
	})
}
