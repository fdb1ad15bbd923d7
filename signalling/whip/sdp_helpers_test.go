package whip_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
)

// playClip plays c on a Go client's track until the test ends.
func playClip(t *testing.T, ctx context.Context, track *client.LocalTrack, c *clip.Clip) {
	ctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = clienttest.PlayClip(ctx, track, c) }()
	t.Cleanup(func() { stop(); wg.Wait() })
}

// attr is the first a=<name>: value of an SDP or a fragment.
func attr(t *testing.T, s, name string) string {
	t.Helper()
	for _, line := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a="+name+":"); ok {
			return v
		}
	}
	t.Fatalf("no a=%s in\n%s", name, s)
	return ""
}

func ufrag(t *testing.T, s string) string { return attr(t, s, "ice-ufrag") }

// firstCandidate is the first candidate line (without "a=").
func firstCandidate(t *testing.T, s string) string {
	t.Helper()
	return "candidate:" + attr(t, s, "candidate")
}

// candidates are every a=candidate line of s.
func candidates(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "a=candidate:") {
			out = append(out, line)
		}
	}
	return out
}

// withICE is the answer a WHIP client builds after an ICE restart: the old one
// with the server's new credentials and candidates (RFC 9725 §4.3.2).
func withICE(answer, ufrag, pwd string, cands []string) string {
	var b strings.Builder
	first := true
	for _, line := range strings.Split(answer, "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case line == "", strings.HasPrefix(line, "a=candidate:"), line == "a=end-of-candidates":
			continue
		case strings.HasPrefix(line, "a=ice-ufrag:"):
			line = "a=ice-ufrag:" + ufrag
		case strings.HasPrefix(line, "a=ice-pwd:"):
			line = "a=ice-pwd:" + pwd
		}
		b.WriteString(line + "\r\n")
		if strings.HasPrefix(line, "a=ice-pwd:") && first {
			first = false
			for _, c := range cands {
				b.WriteString(c + "\r\n")
			}
		}
	}
	return b.String()
}
