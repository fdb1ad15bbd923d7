package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// python is Debian's interpreter, where apt installs python3-aiortc (a pyenv or
// virtualenv python on PATH would not see it).
const python = "/usr/bin/python3"

// Python returns the interpreter with aiortc and websockets importable. Outside
// CI a missing one skips the test; under CI=true it fails it, because a silent
// skip would hide a broken setup (scripts/test installs python3-aiortc and
// python3-websockets).
func Python(t testing.TB) string {
	t.Helper()
	out, err := exec.Command(python, "-c", "import aiortc, websockets, numpy").CombinedOutput()
	if err == nil {
		return python
	}
	msg := fmt.Sprintf("%s with aiortc and websockets is needed (apt-get install python3-aiortc python3-websockets): %v %s", python, err, bytes.TrimSpace(out))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Script is the path of one of the aiortc clients.
func Script(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "aiortc", name)
}

// Process is a running client script.
type Process struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	stdin          io.WriteCloser
	done           chan struct{}
	err            error
}

// Stop asks the script to end now (it closes the script's stdin; the scripts
// that run "until stopped" end at its EOF, ending their session properly).
func (p *Process) Stop() { _ = p.stdin.Close() }

// Run starts script with args; it is killed when ctx ends or the test ends.
func Run(t testing.TB, ctx context.Context, script string, args ...string) *Process {
	t.Helper()
	py := Python(t)
	p := &Process{done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, py, append([]string{Script(script)}, args...)...)
	p.cmd.Dir = filepath.Dir(Script(script))
	p.cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1") // no __pycache__ in the source tree
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	stdin, err := p.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdin = stdin
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", script, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// Wait waits for the script to end.
func (p *Process) Wait() { <-p.done }

// Result waits for the script to end and decodes the JSON line it printed last
// into v; it fails the test (with the script's stderr) if the script failed.
func (p *Process) Result(t testing.TB, v any) {
	t.Helper()
	<-p.done
	if p.err != nil {
		t.Fatalf("%s: %v\nstderr:\n%s", p.cmd.Args[1], p.err, tail(p.stderr.String()))
	}
	lines := strings.Split(strings.TrimSpace(p.stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), v); err != nil {
		t.Fatalf("%s printed %q: %v\nstderr:\n%s", p.cmd.Args[1], p.stdout.String(), err, tail(p.stderr.String()))
	}
}

func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}
