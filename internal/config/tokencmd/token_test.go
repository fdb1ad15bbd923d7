package tokencmd

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/config"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/vocab"
)

const secretA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
const secretB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// run calls the command in-process and returns its stdout.
func run(t *testing.T, e map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(args, &out, &errOut, env(e))
	if err != nil && out.Len() > 0 {
		t.Fatalf("stdout not empty on error: %q", out.String())
	}
	return out.String(), err
}

// verify checks the printed token the way the server would, with keys loaded like serve.
func verify(t *testing.T, stdout string, keys auth.Keys) *auth.Claims {
	t.Helper()
	if !strings.HasSuffix(stdout, "\n") || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("stdout is not one line: %q", stdout)
	}
	c, err := auth.NewVerifier(keys).Verify(strings.TrimSuffix(stdout, "\n"))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return c
}

func TestDevToken(t *testing.T) {
	out, err := run(t, nil, "--dev", "--room", "r1", "--identity", "alice", "--name", "Alice", "--metadata", `{"x":1}`)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Dev: true, LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	c := verify(t, out, cfg.Keys)
	if c.Identity() != "alice" || c.Room != "r1" || c.Name != "Alice" || c.Metadata != `{"x":1}` || c.APIKey() != auth.DevAPIKey {
		t.Fatalf("claims %+v", c)
	}
	if !slices.Equal(c.Grants.Names(), auth.DefaultParticipantGrants().Names()) {
		t.Fatalf("grants %v, want the defaults", c.Grants.Names())
	}
	if ttl := time.Until(c.ExpiresAt.Time); ttl < 6*time.Hour-time.Minute || ttl > 6*time.Hour {
		t.Fatalf("ttl %v, want 6h", ttl)
	}
	if err := c.CheckJoin("r1"); err != nil {
		t.Fatal(err)
	}
}

func TestGrantsAndSources(t *testing.T) {
	dev := []string{"--dev", "--room", "r", "--identity", "i"}
	tests := []struct {
		name       string
		args       []string
		wantGrants []string
		wantSrc    []string
	}{
		{"explicit grants", []string{"--grant", "join,subscribe,hidden,record"}, []string{"join", "subscribe", "hidden", "record"}, nil},
		{"sources", []string{"--grant", "join,publish", "--sources", "camera,microphone"}, []string{"join", "publish"}, []string{"camera", "microphone"}},
		{"sources with default grants", []string{"--sources", "screen_share"}, auth.DefaultParticipantGrants().Names(), []string{"screen_share"}},
		{"admin in a room", []string{"--admin"}, append(auth.DefaultParticipantGrants().Names(), "room_admin", "room_create", "room_list"), nil},
		{"empty grant list", []string{"--grant", ""}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(t, nil, append(dev, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			c := verify(t, out, auth.DevKeys())
			if !slices.Equal(c.Grants.Names(), tt.wantGrants) || !slices.Equal(c.Grants.Sources, tt.wantSrc) {
				t.Fatalf("grants %v sources %v, want %v %v", c.Grants.Names(), c.Grants.Sources, tt.wantGrants, tt.wantSrc)
			}
		})
	}
}

// --kind puts the participant kind in the token; a recorder's joins its room only.
func TestKind(t *testing.T) {
	out, err := run(t, nil, "--dev", "--room", "r", "--identity", "rec", "--kind", "recorder", "--grant", "join,subscribe,record")
	if err != nil {
		t.Fatal(err)
	}
	c := verify(t, out, auth.DevKeys())
	if c.Kind != vocab.ParticipantRecorder || c.CheckJoin("r") != nil || c.CheckRecord("other") == nil {
		t.Fatalf("recorder token: kind %q, joins r: %v, records other: %v", c.Kind, c.CheckJoin("r"), c.CheckRecord("other"))
	}
	out, err = run(t, nil, "--dev", "--room", "r", "--identity", "sip-1", "--kind", "sip")
	if err != nil {
		t.Fatal(err)
	}
	if c := verify(t, out, auth.DevKeys()); c.Kind != vocab.ParticipantSIP {
		t.Fatalf("kind %q, want sip", c.Kind)
	}
}

func TestAdminAPIToken(t *testing.T) {
	out, err := run(t, nil, "--dev", "--admin", "--ttl", "10m")
	if err != nil {
		t.Fatal(err)
	}
	c := verify(t, out, auth.DevKeys())
	if c.Room != "" || c.Identity() != "" || !slices.Equal(c.Grants.Names(), []string{"room_admin", "room_create", "room_list"}) {
		t.Fatalf("admin token claims %+v", c)
	}
	if c.CheckRoom("any") != nil || c.CheckGrant("room_create") != nil || c.CheckJoin("any") == nil {
		t.Fatal("admin token checks wrong")
	}
	if ttl := time.Until(c.ExpiresAt.Time); ttl > 10*time.Minute || ttl < 9*time.Minute {
		t.Fatalf("ttl %v", ttl)
	}
}

func TestKeysFromConfig(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.yaml")
	two := filepath.Join(dir, "two.yaml")
	os.WriteFile(one, []byte("keys: {a: "+secretA+"}\n"), 0o600)
	os.WriteFile(two, []byte("keys: {a: "+secretA+", b: "+secretB+"}\n"), 0o600)
	both := auth.Keys{"a": secretA, "b": secretB}

	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantKey string
	}{
		{"only key in file", nil, []string{"--config", one}, "a"},
		{"chosen key", nil, []string{"--config", two, "--api-key", "b"}, "b"},
		{"ENSEMBLE_CONFIG", map[string]string{"ENSEMBLE_CONFIG": one}, nil, "a"},
		{"ENSEMBLE_KEYS", map[string]string{"ENSEMBLE_KEYS": "b:" + secretB}, nil, "b"},
		{"env overrides file", map[string]string{"ENSEMBLE_KEYS": "b:" + secretB}, []string{"--config", two}, "b"},
		{"dev plus file key", nil, []string{"--dev", "--config", one, "--api-key", "a"}, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(t, tt.env, append([]string{"--room", "r", "--identity", "i"}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if c := verify(t, out, both); c.APIKey() != tt.wantKey {
				t.Fatalf("signed with %q, want %q", c.APIKey(), tt.wantKey)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	two := filepath.Join(dir, "two.yaml")
	os.WriteFile(two, []byte("keys: {a: "+secretA+", b: "+secretB+"}\n"), 0o600)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("keys: {a: "+secretA+"}\nhttp_prot: 1\n"), 0o600)

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no room", []string{"--dev", "--identity", "i"}, "--room is required"},
		{"no identity", []string{"--dev", "--room", "r"}, "--identity is required"},
		{"unknown grants named", []string{"--dev", "--room", "r", "--identity", "i", "--grant", "join,fly,swim"}, `"fly", "swim"`},
		{"unknown source named", []string{"--dev", "--room", "r", "--identity", "i", "--sources", "camera,webcam"}, `"webcam"`},
		{"sources without publish", []string{"--dev", "--room", "r", "--identity", "i", "--grant", "join", "--sources", "camera"}, "needs the publish grant"},
		{"admin joining without identity", []string{"--dev", "--admin", "--grant", "join"}, "needs --identity"},
		{"zero ttl", []string{"--dev", "--room", "r", "--identity", "i", "--ttl", "0s"}, "--ttl"},
		{"bad ttl", []string{"--dev", "--room", "r", "--identity", "i", "--ttl", "soon"}, "-ttl"},
		{"no keys", []string{"--room", "r", "--identity", "i"}, "at least one API key"},
		{"ambiguous key", []string{"--config", two, "--room", "r", "--identity", "i"}, "--api-key"},
		{"unconfigured key", []string{"--config", two, "--room", "r", "--identity", "i", "--api-key", "c"}, `"c" is not configured`},
		{"bad config names key", []string{"--config", bad, "--room", "r", "--identity", "i"}, `"http_prot"`},
		{"positional argument", []string{"--dev", "--room", "r", "--identity", "i", "extra"}, `"extra"`},
		{"unknown flag", []string{"--dev", "--rooom", "r"}, "rooom"},
		{"unknown kind", []string{"--dev", "--room", "r", "--identity", "i", "--kind", "robot"}, `--kind "robot"`},
		{"recorder without the record grant", []string{"--dev", "--room", "r", "--identity", "i", "--kind", "recorder"}, "needs the record grant"},
		{"ingress without the publish grant", []string{"--dev", "--room", "r", "--identity", "obs", "--kind", "ingress", "--grant", "join"}, "needs the publish grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, nil, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	err := Run([]string{"-h"}, &out, &errOut, env(nil))
	if !errors.Is(err, flag.ErrHelp) || out.Len() != 0 || !strings.Contains(errOut.String(), "-grant") {
		t.Fatalf("help: err %v stdout %q stderr %q", err, out.String(), errOut.String())
	}
}
