package apiclient

import (
	"bytes"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// unreachable is a server the CLI must never call: every run here fails before
// a request is sent, and a request that got through would fail the test rather
// than pass it as "an error of some kind".
func unreachable(t *testing.T) string {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "the CLI should not have called", http.StatusTeapot)
	}))
	t.Cleanup(func() {
		srv.Close()
		if n := hits.Load(); n != 0 {
			t.Errorf("the CLI sent %d request(s) for a run that should have stopped at its arguments", n)
		}
	})
	return srv.URL
}

func TestCLIUsageErrors(t *testing.T) {
	url := unreachable(t)
	var out, errOut bytes.Buffer
	if err := RunCLI(t.Context(), nil, &out, &errOut); err == nil || !strings.Contains(errOut.String(), "usage") {
		t.Fatalf("no args: %v", err)
	}
	if err := RunCLI(t.Context(), []string{"-h"}, &out, &errOut); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	for _, args := range [][]string{
		{"explode"},
		{"get"},
		{"get", "a", "b"},
		{"remove", "room-only"},
		{"meeting"},
		{"meeting", "delete"},
		{"list", "--no-such-flag"},
	} {
		full := append(args, "--url", url, "--api-key", "apikey", "--api-secret", "api-test-secret")
		if err := RunCLI(t.Context(), full, &out, &errOut); err == nil {
			t.Errorf("ensemble room %v: no error", args)
		}
	}
	// No credentials at all.
	t.Setenv("ENSEMBLE_API_KEY", "")
	t.Setenv("ENSEMBLE_API_SECRET", "")
	err := RunCLI(t.Context(), []string{"list", "--url", url}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "--dev") {
		t.Fatalf("no credentials: %v", err)
	}
}

// Flags written before the command go after it (after the subcommand of
// record and meeting), where that command's flag set parses them.
func TestGlobalsAfterCommand(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"list"}, []string{"list"}},
		{[]string{"--dev", "list"}, []string{"list", "--dev"}},
		{[]string{"--url", "http://h:1", "--dev", "get", "r"}, []string{"get", "r", "--url", "http://h:1", "--dev"}},
		{[]string{"--dev", "record", "start", "r"}, []string{"record", "start", "r", "--dev"}},
		{[]string{"--dev", "meeting", "create", "--title", "T"}, []string{"meeting", "create", "--title", "T", "--dev"}},
		{[]string{"-h"}, []string{"-h"}},
		{[]string{"--dev"}, []string{"--dev"}},
	} {
		if got := globalsAfterCommand(c.in); !slices.Equal(got, c.want) {
			t.Errorf("globalsAfterCommand(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
