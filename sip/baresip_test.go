package sip_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ensemble-sfu/ensemble/internal/testport"
	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
)

// needTool skips the test when a program is missing (fails it on CI, where
// scripts/test installs it).
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (scripts/test installs it)", name)
		}
		t.Skipf("%s is not installed; scripts/test installs it", name)
	}
	return p
}

// baresip is one baresip user agent run for a test: a config directory, its
// output, and the process.
type baresip struct {
	port int // its SIP port
	dir  string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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

// freeUDPPort finds a free loopback port for baresip's SIP (it cannot be told
// to pick one itself and report it), outside the ephemeral range (see
// internal/testport).
func freeUDPPort(t *testing.T) int { return testport.UDPAndTCP(t, 1) }

// freeSIPPort finds a loopback port free for baresip's SIP over UDP and TCP,
// with the next one free for its TLS (it binds all three).
func freeSIPPort(t *testing.T) int { return testport.UDPAndTCP(t, 2) }

// startBaresip dials target with audio read from the WAV file source, saving what
// it hears under dir (sndfile: dump-*-dec.wav), with only codecs allowed
// (e.g. "PCMU/8000/1"). With target "" it dials nobody and answers calls by
// itself. It runs until the test ends or it exits.
func startBaresip(t *testing.T, source, codecs, displayName, target string) *baresip {
	t.Helper()
	return startBaresipAccount(t, source, codecs, displayName, target, "")
}

// startBaresipAccount is startBaresip with more parameters of its account
// (";auth_user=alice;auth_pass=s3cret": digest credentials).
func startBaresipAccount(t *testing.T, source, codecs, displayName, target, params string) *baresip {
	t.Helper()
	return startBaresipWith(t, source, codecs, displayName, target, params, "")
}

// startBaresipWith is startBaresipAccount with more lines of baresip's config
// ("module srtp.so\n"), put first: a mediaenc module must load before the
// accounts that name it.
func startBaresipWith(t *testing.T, source, codecs, displayName, target, params, moreConfig string) *baresip {
	t.Helper()
	bin := needTool(t, "baresip")
	dir := t.TempDir()
	port := freeSIPPort(t)
	config := moreConfig + fmt.Sprintf(`poll_method epoll
sip_listen 127.0.0.1:%d
audio_player alsa,null
audio_source aufile,%s
audio_alert alsa,null
audio_srate 8000-48000
ausrc_channels 1
auplay_channels 1
rtp_ports 26000-26999
module_path /usr/lib/baresip/modules
module g711.so
module g722.so
module opus.so
module aufile.so
module alsa.so
module sndfile.so
module menu.so
module account.so
snd_path %s
`, port, source, dir)
	accounts := fmt.Sprintf("\"%s\" <sip:tester@127.0.0.1>;regint=0;audio_codecs=%s;answermode=auto%s\n", displayName, codecs, params)
	for name, body := range map[string]string{"config": config, "accounts": accounts, "contacts": ""} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := &baresip{port: port, dir: dir, out: &lockedBuffer{}, done: make(chan error, 1)}
	args := []string{"-f", dir}
	if target != "" {
		args = append(args, "-e", "/dial "+target)
	}
	b.cmd = exec.Command(bin, args...)
	b.cmd.Stdout, b.cmd.Stderr = b.out, b.out
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start baresip: %v", err)
	}
	go func() { b.done <- b.cmd.Wait() }()
	t.Cleanup(func() {
		_ = b.cmd.Process.Kill()
		<-b.done
		if t.Failed() {
			t.Logf("baresip output:\n%s", b.out.String())
		}
	})
	return b
}

// stop ends baresip (which hangs up its call) and waits for it.
func (b *baresip) stop(ctx context.Context) {
	_ = b.cmd.Process.Signal(os.Interrupt)
	select {
	case <-b.done:
		b.done <- nil
	case <-ctx.Done():
	}
}

// heard is what baresip decoded from the call (its sndfile dump).
func (b *baresip) heard(t *testing.T) ([]int16, int) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(b.dir, "dump-*-dec.wav"))
	if len(files) != 1 {
		t.Fatalf("baresip dumps %v; want one *-dec.wav\n%s", files, b.out.String())
	}
	pcm, rate, err := readWAV(files[0])
	if err != nil {
		t.Fatalf("read %s: %v", files[0], err)
	}
	return pcm, rate
}

// requireHeard440 fails the test unless what baresip recorded of the room (it
// must have stopped) holds, in its second half, the 440 Hz tone the room's Go
// client plays.
func (b *baresip) requireHeard440(t *testing.T) {
	t.Helper()
	pcm, rate := b.heard(t)
	if len(pcm) < rate {
		t.Fatalf("baresip heard %d samples", len(pcm))
	}
	pcm = pcm[len(pcm)/2:]
	if f, share := tone.Peak(pcm, rate); math.Abs(f-440) > 10 || share < 0.5 {
		t.Fatalf("baresip heard a peak at %.1f Hz (share %.2f), want 440 Hz", f, share)
	}
}
