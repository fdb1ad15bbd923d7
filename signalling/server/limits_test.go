package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

func TestFloodIsRateLimitedAndDropped(t *testing.T) {
	srv := servertest.Start(t, servertest.WithServerConfig(func(c *server.Config) {
		c.RateLimit, c.RateBurst = 10, 20
	}))
	c := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	for range 40 {
		c.trySend(protocol.TypePing, 0, protocol.PingMessage{}) // the server may cut in between
	}
	for {
		msg, err := c.read(5 * time.Second)
		if err != nil {
			t.Fatalf("connection ended without a rate_limited error: %v", err)
		}
		if msg.Type == protocol.TypeError {
			if e := msg.Body.(protocol.ErrorMessage); e.Code != protocol.CodeRateLimited {
				t.Fatalf("error %+v, want rate_limited", e)
			}
			break
		}
	}
	if _, err := c.read(5 * time.Second); err != nil && !strings.Contains(err.Error(), "connection ended") {
		t.Fatalf("after rate_limited: %v", err)
	}
	// The participant is kept for a resume, not removed.
	if n := srv.Signalling.Sessions(); n != 1 {
		t.Errorf("%d sessions after the drop, want 1 (kept for a resume)", n)
	}
}

func TestOversizedMessageClosesTheConnection(t *testing.T) {
	srv := servertest.Start(t, servertest.WithServerConfig(func(c *server.Config) { c.MaxMessageBytes = 1024 }))
	c := connect(t, srv.RTCURL(srv.Token("r", "alice")), protocol.TypeJoin)
	c.send(protocol.TypeOffer, 1, protocol.SDPMessage{SDP: strings.Repeat("a", 4096)})
	for {
		_, err := c.read(5 * time.Second)
		if err == nil {
			continue
		}
		if !strings.Contains(err.Error(), "1009") && !strings.Contains(err.Error(), "MessageTooBig") {
			t.Errorf("connection ended with %v, want status 1009", err)
		}
		return
	}
}
