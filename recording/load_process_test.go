package recording_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording"
)

// recorderProcessEnv makes the test binary run recorders in a process of its
// own (TestRecordingLoad with ENSEMBLE_BENCH_PROCESS): the spec as JSON.
const recorderProcessEnv = "ENSEMBLE_TEST_RECORDERS"

type recorderSpec struct {
	URL   string
	Rooms []recorderRoom
}

type recorderRoom struct{ Token, Dir string }

// runRecorderProcess starts one Recorder per room, says "ready", records until
// its standard input closes, then stops them (files and manifests written).
func runRecorderProcess() int {
	var spec recorderSpec
	if err := json.Unmarshal([]byte(os.Getenv(recorderProcessEnv)), &spec); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	var recs []*recording.Recorder
	for _, room := range spec.Rooms {
		rec, err := recording.Start(ctx, recording.Config{URL: spec.URL, Token: room.Token, Dir: room.Dir})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		recs = append(recs, rec)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	code := 0
	for _, rec := range recs {
		if _, err := rec.Stop(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	return code
}

type recorderProcess struct {
	*exec.Cmd
	stdin io.Closer
}

func startRecorderProcess(t *testing.T, spec recorderSpec) *recorderProcess {
	t.Helper()
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if cpus := os.Getenv("ENSEMBLE_BENCH_RECORDER_CPUS"); cpus != "" {
		// The recorders on cores of their own (taskset, util-linux), to
		// measure what one core holds apart from the SFU and the publishers.
		cmd = exec.Command("taskset", "-c", cpus, os.Args[0], "-test.run=^$")
	}
	cmd.Env = append(os.Environ(), recorderProcessEnv+"="+string(b))
	cmd.Stderr = t.Output()
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &recorderProcess{Cmd: cmd, stdin: in}
	t.Cleanup(func() { _ = p.Process.Kill(); _ = p.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("recorder process: %q, %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return p
}

// stopRecorderProcess asks the recorders to stop and waits for the process.
func stopRecorderProcess(t *testing.T, p *recorderProcess) {
	t.Helper()
	_ = p.stdin.Close()
	if err := p.Wait(); err != nil {
		t.Fatalf("recorder process: %v", err)
	}
}

// procCPU is a process's CPU time (user + system) from /proc (clock ticks of
// 10 ms, as Linux reports them to user space).
func procCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The fields after the command name (which may hold spaces): utime and
	// stime are the 14th and 15th of the line.
	rest := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, err1 := strconv.ParseInt(rest[11], 10, 64)
	stime, err2 := strconv.ParseInt(rest[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, b)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
