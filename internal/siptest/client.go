package siptest

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
)

// Serve makes a user agent whose server answers on a UDP socket of
// 127.0.0.1, once handle (nil: none) has set its handlers, and returns the
// agent and the socket's address. The test's end closes the socket, waits for
// its reader and closes the agent.
func Serve(t testing.TB, handle func(*sipgo.Server), opts ...sipgo.UserAgentOption) (*sipgo.UserAgent, *net.UDPAddr) {
	t.Helper()
	ua, err := sipgo.NewUA(opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	if handle != nil {
		handle(srv)
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
	// Serving puts the socket in the agent's pool, where a client looks for
	// it: a request made before would bind a socket of its own to the same
	// address, and fail.
	pool := ua.TransportLayer().Pool("udp")
	for deadline := time.Now().Add(10 * time.Second); pool.Size() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("siptest: the socket is not served after 10 s")
		}
	}
	return ua, conn.LocalAddr().(*net.UDPAddr)
}

// Client returns a client of a new user agent that sends (and receives its
// answers) on a socket served as by Serve.
func Client(t testing.TB, opts ...sipgo.UserAgentOption) *sipgo.Client {
	t.Helper()
	ua, addr := Serve(t, nil, opts...)
	cl, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientConnectionAddr(addr.String()))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}
