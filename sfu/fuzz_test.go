package sfu

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
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

	// A session Pion cannot roll back is ended (rollbackOffer logs it, then closes the
	// participant asynchronously): the log says which input did it. A participant may
	// also end for a good reason, its ICE failing ~20 s after an accepted offer that
	// names no reachable address: then the next input goes to a new participant.
	ended := &rollbackWatch{}
	e, err := NewEngine(context.Background(), Config{
		BindIP: "127.0.0.1", TCPPort: -1, Logger: slog.New(ended),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = e.Close() })
	// The room closes with its last participant: each join gets (or makes) it again.
	join := func(tb testing.TB) *Participant {
		room, err := e.GetOrCreateRoom("fuzz")
		if err != nil {
			tb.Fatal(err)
		}
		p, err := room.Join(JoinParams{Identity: "fuzzer", Sink: EventSinkFunc(func(Event) {})})
		if err != nil {
			tb.Fatal(err)
		}
		return p
	}
	p := join(f)
	f.Fuzz(func(t *testing.T, offer string) {
		if p.isClosed() {
			p = join(t)
		}
		answer, err := p.HandleOffer(offer)
		if err == nil && answer == "" {
			t.Fatal("no error and no answer")
		}
		if ended.fired.Swap(false) {
			t.Fatalf("the offer ended the session (Pion could not roll it back): %v", err)
		}
	})
}

// rollbackWatch is a discarding log handler that notes the warning of a session ended
// by an offer Pion could not roll back.
type rollbackWatch struct{ fired atomic.Bool }

func (w *rollbackWatch) Enabled(context.Context, slog.Level) bool { return true }
func (w *rollbackWatch) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "cannot be rolled back") {
		w.fired.Store(true)
	}
	return nil
}
func (w *rollbackWatch) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *rollbackWatch) WithGroup(string) slog.Handler      { return w }
