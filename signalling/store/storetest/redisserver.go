package storetest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// StartRedis starts a private redis-server on a free 127.0.0.1 port, without
// persistence, in a temporary directory, and stops it when the test ends. It returns
// the server's address.
//
// Without a redis-server binary the test is skipped, except under CI=true where it
// fails: CI must exercise the real thing.
func StartRedis(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server not found (CI=true requires it; apt-get install redis-server): %v", err)
		}
		t.Skip("redis-server not found; install it (apt-get install redis-server) to run the Redis tests")
	}
	// The port may be taken between Close and redis-server's bind; retry a few times.
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		addr, err := startRedis(t, bin, port)
		if err == nil {
			return addr
		}
		lastErr = err
	}
	t.Fatalf("start redis-server: %v", lastErr)
	return ""
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lockedBuffer collects the server's output for failure messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startRedis(t testing.TB, bin string, port int) (string, error) {
	addr, stop, err := launchRedis(bin, port, t.TempDir(), "--save", "", "--appendonly", "no")
	if err != nil {
		return "", err
	}
	t.Cleanup(stop)
	return addr, nil
}

// launchRedis runs redis-server on port with its files in dir and waits until it
// answers; stop ends it (SIGTERM, which lets it write its files, then SIGKILL
// after 5 s).
func launchRedis(bin string, port int, dir string, persistence ...string) (addr string, stop func(), err error) {
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1"}, persistence...)
	args = append(args, "--dir", dir, "--daemonize", "no", "--logfile", "")
	p, err := launch(bin, port, args...)
	if err != nil {
		return "", nil, err
	}
	return p.addr, p.stop, nil
}

// redisProcess is a running redis-server (a data node or a sentinel).
type redisProcess struct {
	addr   string
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{}
	once   sync.Once
}

// launch runs bin with args, expecting it to listen on 127.0.0.1:port, and waits
// until it answers PING.
func launch(bin string, port int, args ...string) (*redisProcess, error) {
	p := &redisProcess{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), out: &lockedBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	var waitErr error
	go func() { waitErr = p.cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ping(p.addr) == nil {
			return p, nil
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("redis-server exited (%v): %s", waitErr, p.out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("redis-server not answering on %s after 10s: %s", p.addr, p.out.String())
		}
	}
}

// stop ends the process with SIGTERM (it writes its files), then SIGKILL after 5 s.
func (p *redisProcess) stop() {
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
}

// kill ends the process at once, as a crash would.
func (p *redisProcess) kill() {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
}

// ping speaks just enough RESP to know the server is ready, without a client library.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 7)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	if string(buf[:n]) != "+PONG\r\n" {
		return fmt.Errorf("unexpected reply %q", buf[:n])
	}
	return nil
}
