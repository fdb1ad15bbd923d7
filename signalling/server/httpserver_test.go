package server_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// shortTimeouts make the server's limits visible in a test run.
var shortTimeouts = server.HTTPTimeouts{ReadHeader: time.Second, Read: time.Second, Write: time.Second, Idle: time.Second}

// bodyReader is an endpoint that reads its whole body, as the API does.
func bodyReader(*servertest.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "body: "+err.Error(), http.StatusRequestTimeout)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// waitClosed reads conn until the server ends it; guard bounds the wait far above
// the server's timeout, so only a connection the server never closes fails.
func waitClosed(t *testing.T, conn net.Conn, guard time.Duration) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(guard))
	_, err := io.Copy(io.Discard, conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v", guard)
	}
}

// A body sent one byte at a time, slower than anyone's upload, is cut off by the
// read timeout instead of holding its connection forever.
func TestSlowBodyIsCutOff(t *testing.T) {
	srv := servertest.Start(t, servertest.WithHTTPTimeouts(shortTimeouts), servertest.WithHandler("/slow", bodyReader))
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(300 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte("{")); err != nil {
					return
				}
			}
		}
	}()
	waitClosed(t, conn, 15*time.Second)
}

// A keep-alive connection that sends nothing after its response is closed.
func TestIdleKeepAliveIsClosed(t *testing.T) {
	srv := servertest.Start(t, servertest.WithHTTPTimeouts(shortTimeouts), servertest.WithHandler("/slow", bodyReader))
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d", resp.StatusCode)
	}
	waitClosed(t, conn, 15*time.Second)
}

// The timeouts are for HTTP requests: a meeting's WebSocket outlives the read,
// header and idle ones. (The write timeout is left long here: it also bounds the
// join before the upgrade, which a loaded machine can make last more than a second.)
func TestWebSocketOutlivesHTTPTimeouts(t *testing.T) {
	timeouts := shortTimeouts
	timeouts.Write = time.Minute
	srv := servertest.Start(t, servertest.WithHTTPTimeouts(timeouts))
	c := connect(t, srv.RTCURL(srv.Token("a", "alice")), protocol.TypeJoin)
	time.Sleep(3 * time.Second) // three times the read, header and idle timeouts
	c.send(protocol.TypePing, 7, protocol.PingMessage{Timestamp: 42})
	if msg := c.waitFor(protocol.TypePong); msg.Type != protocol.TypePong {
		t.Fatalf("got %s, want pong", msg.Type)
	}
}
