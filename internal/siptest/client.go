package siptest

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
)

// Client returns a client of a new user agent that sends (and receives its
// answers) on a UDP socket of 127.0.0.1 served for the test; the test's end
// closes the socket, waits for its reader and closes the agent.
func Client(t testing.TB, opts ...sipgo.UserAgentOption) *sipgo.Client {
	t.Helper()
	ua, err := sipgo.NewUA(opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var served sync.WaitGroup
	served.Go(func() { _ = srv.ServeUDP(conn) })
	t.Cleanup(func() {
		_ = conn.Close()
		served.Wait()
		_ = srv.Close()
		_ = ua.Close()
	})
	// The client finds the socket in the agent's pool, where serving puts
	// it: a request made before would bind a socket of its own to the same
	// address, and fail.
	pool := ua.TransportLayer().Pool("udp")
	for deadline := time.Now().Add(10 * time.Second); pool.Size() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("siptest: the client's socket is not served after 10 s")
		}
	}
	cl, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientConnectionAddr(conn.LocalAddr().String()))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}
