// Package s3test starts a real S3 server for tests: versitygw
// (github.com/versity/versitygw, Apache-2.0) serving a temporary directory
// with its posix back end. It is built from the module pinned in
// internal/tools/versitygw (its own go.mod, so the server binary never
// depends on it) with the go command the tests run with. Without a Go
// toolchain or the module proxy the tests that need it skip, and fail under
// CI=true.
package s3test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Version is the versitygw release the tests run (internal/tools/versitygw/go.mod).
const Version = "v1.8.0"

// Server is a running versitygw.
type Server struct {
	Endpoint             string // 127.0.0.1:port, plain HTTP
	AccessKey, SecretKey string
	Bucket               string
	// Root is the directory it serves: Root/Bucket/<key> is each object.
	Root string
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// build compiles versitygw once per test process, into a cache directory
// shared by later runs (the go build cache makes a rebuild a link).
func build() (string, error) {
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		modDir := filepath.Join(filepath.Dir(file), "..", "..", "..", "internal", "tools", "versitygw")
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir := filepath.Join(cache, "ensemble-test")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "versitygw-"+Version)
		tmp := binary + fmt.Sprintf(".%d", os.Getpid())
		var out bytes.Buffer
		cmd := exec.Command(goCommand(), "build", "-o", tmp, "github.com/versity/versitygw/cmd/versitygw")
		cmd.Dir = modDir
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("go build versitygw in %s: %w\n%s", modDir, err, out.String())
			return
		}
		buildErr = os.Rename(tmp, binary) // atomic: a concurrent run sees a whole binary
	})
	return binary, buildErr
}

// goCommand is the go command of the toolchain running the tests.
func goCommand() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Start runs a versitygw with one empty bucket for the test; it stops with the
// test.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := build()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("s3test: %v", err)
		}
		t.Skipf("s3test: versitygw not built: %v", err)
	}
	s := &Server{AccessKey: "ensembletest", SecretKey: "ensemble-test-secret-key", Bucket: "recordings", Root: t.TempDir()}
	if err := os.Mkdir(filepath.Join(s.Root, s.Bucket), 0o755); err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s.Endpoint = "127.0.0.1:" + strconv.Itoa(port)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--access", s.AccessKey, "--secret", s.SecretKey, "--port", s.Endpoint, "--quiet",
		"posix", s.Root)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("s3test: start versitygw: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Endpoint, time.Second)
		if err == nil {
			c.Close()
			return s
		}
		select {
		case <-exited:
			t.Fatalf("s3test: versitygw exited: %s", logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("s3test: versitygw not listening after 20 s: %s", logs.String())
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
