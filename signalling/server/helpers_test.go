package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// testClient is a bare protocol client: it sends and reads raw protocol messages.
type testClient struct {
	t    testing.TB
	ws   *websocket.Conn
	join protocol.JoinResponse
	// first is the session's first message (join, resumed or lobby_waiting).
	first protocol.ServerMessage
	in    chan protocol.ServerMessage // closed when the connection ends
	err   error                       // why it ended; read after in is closed
}

// connect opens /rtc at url and reads the first message, which must be firstType.
func connect(t testing.TB, url, firstType string) *testClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		var body []byte
		if resp != nil && resp.Body != nil {
			body, _ = io.ReadAll(resp.Body)
		}
		t.Fatalf("dial %s: %v %s", url, err, body)
	}
	ws.SetReadLimit(1 << 20)
	c := &testClient{t: t, ws: ws, in: make(chan protocol.ServerMessage, 1024)}
	// One goroutine reads: a Read whose context expires closes a coder/websocket
	// connection, so timeouts are taken on the channel instead.
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(c.in)
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				c.err = err
				return
			}
			msg, err := protocol.DecodeServer(b)
			if err != nil {
				c.err = err
				return
			}
			c.in <- msg
		}
	}()
	t.Cleanup(func() {
		_ = ws.CloseNow()
		<-done
	})
	msg := c.next()
	if msg.Type != firstType {
		t.Fatalf("first message is %q, want %q", msg.Type, firstType)
	}
	c.first = msg
	if jr, ok := msg.Body.(protocol.JoinResponse); ok {
		c.join = jr
	}
	return c
}

func (c *testClient) send(typ string, reqID uint32, data any) {
	c.t.Helper()
	b, err := protocol.Encode(typ, reqID, data)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(string(b))
}

// trySend is send for other goroutines (Pion callbacks): errors are ignored, as the
// connection may be closing.
func (c *testClient) trySend(typ string, reqID uint32, data any) {
	b, err := protocol.Encode(typ, reqID, data)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.ws.Write(ctx, websocket.MessageText, b)
}

func (c *testClient) sendRaw(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// next reads the next message within 5 s.
func (c *testClient) next() protocol.ServerMessage {
	c.t.Helper()
	msg, err := c.read(5 * time.Second)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return msg
}

func (c *testClient) read(timeout time.Duration) (protocol.ServerMessage, error) {
	select {
	case msg, ok := <-c.in:
		if !ok {
			return protocol.ServerMessage{}, fmt.Errorf("connection ended: %w", c.err)
		}
		return msg, nil
	case <-time.After(timeout):
		return protocol.ServerMessage{}, errTimeout
	}
}

// waitFor reads until a message of type typ, skipping the media negotiation and
// lossy updates that arrive in between.
func (c *testClient) waitFor(typ string) protocol.ServerMessage {
	c.t.Helper()
	for {
		msg := c.next()
		if msg.Type == typ {
			return msg
		}
		switch msg.Type {
		case protocol.TypeOffer, protocol.TypeTrickle, protocol.TypeActiveSpeakers, protocol.TypeConnectionQuality:
			continue
		}
		c.t.Fatalf("got %q (%+v) while waiting for %q", msg.Type, msg.Body, typ)
	}
}

// expectNone reads for d and fails on any message of the given types.
func (c *testClient) expectNone(d time.Duration, types ...string) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		msg, err := c.read(left)
		if err != nil {
			return
		}
		for _, typ := range types {
			if msg.Type == typ {
				c.t.Fatalf("unexpected %q: %+v", msg.Type, msg.Body)
			}
		}
	}
}

// errorBody is the JSON of a refusal.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// dialRefused dials url, expects the handshake to be refused with status, and
// returns the JSON body.
func dialRefused(t testing.TB, url string, header http.Header, status int) errorBody {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: header})
	if err == nil {
		_ = ws.CloseNow()
		t.Fatalf("dial %s succeeded, want HTTP %d", url, status)
	}
	if resp == nil {
		t.Fatalf("dial %s: no HTTP response: %v", url, err)
	}
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d", resp.StatusCode, status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var body errorBody
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("body %q is not the JSON error: %v", raw, err)
	}
	if body.Message == "" {
		t.Errorf("refusal %q has no message", body.Code)
	}
	return body
}

// noneToken forges an unsigned token (alg none) with valid-looking claims.
func noneToken(room, identity string) string {
	enc := base64.RawURLEncoding.EncodeToString
	header := enc([]byte(`{"alg":"none","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{
		"iss": servertest.APIKey, "sub": identity, "room": room,
		"exp": time.Now().Add(time.Hour).Unix(), "grants": map[string]bool{"join": true},
	})
	return header + "." + enc(claims) + "."
}

func httpGet(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var errTimeout = errors.New("timeout")

// eventually polls cond every 10 ms for up to 5 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, errTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
