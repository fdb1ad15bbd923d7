package importrules

import (
	"slices"
	"strings"
	"testing"
)

// TestImportRules checks the real import graph of the module.
func TestImportRules(t *testing.T) {
	g, err := LoadGraph("../..")
	if err != nil {
		t.Fatal(err)
	}
	violations, err := Check(g, Rules)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Error(v)
	}
}

// withSubjects adds to a small graph an empty package for every subject that
// must exist and is not in it yet, so that Check takes the graph and the test
// names only the packages it is about.
func withSubjects(g Graph) Graph {
	for _, r := range Rules {
		if p := Module + "/" + r.Subject; r.MustExist && g[p].ImportPath == "" {
			g[p] = Package{ImportPath: p}
		}
	}
	return g
}

// The checker itself, on a small graph: it must catch a forbidden dependency that
// comes through another package, and name the chain.
func TestCheckFindsTransitiveViolations(t *testing.T) {
	m := Module + "/"
	g := withSubjects(Graph{
		m + "vocab":             {ImportPath: m + "vocab", Imports: []string{"time"}},
		"time":                  {ImportPath: "time", Standard: true},
		m + "sfu":               {ImportPath: m + "sfu", Imports: []string{m + "vocab"}},
		m + "signalling/client": {ImportPath: m + "signalling/client", Imports: []string{m + "helper"}},
		m + "helper":            {ImportPath: m + "helper", Imports: []string{m + "sfu"}},
		m + "loadtest":          {ImportPath: m + "loadtest", Imports: []string{m + "vocab"}},
		m + "cmd/ensemble":      {ImportPath: m + "cmd/ensemble", Imports: []string{m + "vocab"}},
	})
	violations, err := Check(g, Rules)
	if err != nil {
		t.Fatal(err)
	}
	if len(violations) != 1 {
		t.Fatalf("got %d violations %v, want the client's one", len(violations), violations)
	}
	if got, want := violations[0].String(), "signalling/client → helper → sfu"; !strings.Contains(got, want) {
		t.Errorf("violation %q does not show the chain %q", got, want)
	}

	g[m+"vocab"] = Package{ImportPath: m + "vocab", Imports: []string{"github.com/pion/webrtc/v4"}}
	g["github.com/pion/webrtc/v4"] = Package{ImportPath: "github.com/pion/webrtc/v4", Imports: []string{"github.com/pion/ice/v4"}}
	violations, _ = Check(g, Rules)
	if len(violations) != 2 || violations[0].Dep != "github.com/pion/webrtc/v4" || len(violations[0].Chain) != 2 {
		t.Errorf("a non-standard import in vocab must be caught; got %v", violations)
	}
}

func TestCheckRefusesAMissingSubject(t *testing.T) {
	if _, err := Check(Graph{}, Rules); err == nil {
		t.Error("a graph without vocab or sfu must be refused, not pass silently")
	}
}

// The binary must not link the tests' OpenID provider, even through another package.
func TestCheckKeepsTheTestProviderOutOfTheBinary(t *testing.T) {
	m := Module + "/"
	g := withSubjects(Graph{
		m + "cmd/ensemble":                  {ImportPath: m + "cmd/ensemble", Imports: []string{m + "web"}},
		m + "web":                           {ImportPath: m + "web", Imports: []string{"github.com/zitadel/oidc/v3/pkg/op"}},
		"github.com/zitadel/oidc/v3/pkg/op": {ImportPath: "github.com/zitadel/oidc/v3/pkg/op"},
	})
	violations, err := Check(g, Rules)
	if err != nil {
		t.Fatal(err)
	}
	if len(violations) != 1 || violations[0].Dep != "github.com/zitadel/oidc/v3/pkg/op" {
		t.Fatalf("violations %v", violations)
	}
}

// The API client and its bodies stay apart from the handlers, which drive the
// engine: importing signalling/api is caught where it happens (not only the
// media plane behind it), and signalling/apiclient is not taken for a package
// under signalling/api.
func TestCheckKeepsTheAPIClientApartFromTheHandlers(t *testing.T) {
	m := Module + "/"
	g := withSubjects(Graph{
		m + "signalling/api":       {ImportPath: m + "signalling/api", Imports: []string{m + "sfu", m + "signalling/apiwire"}},
		m + "signalling/apiclient": {ImportPath: m + "signalling/apiclient", Imports: []string{m + "signalling/apiwire"}},
		m + "signalling/apiwire":   {ImportPath: m + "signalling/apiwire"},
	})
	violations, err := Check(g, Rules)
	if err != nil {
		t.Fatal(err)
	}
	if len(violations) != 0 {
		t.Fatalf("the client importing its bodies is allowed; got %v", violations)
	}

	g[m+"signalling/apiclient"] = Package{ImportPath: m + "signalling/apiclient", Imports: []string{m + "signalling/api"}}
	g[m+"signalling/apiwire"] = Package{ImportPath: m + "signalling/apiwire", Imports: []string{m + "sfu"}}
	violations, err = Check(g, Rules)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range violations {
		got = append(got, strings.Join(v.Chain, " → "))
	}
	want := []string{
		m + "signalling/apiclient → " + m + "signalling/api",
		m + "signalling/apiwire → " + m + "sfu",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("violations %q, want %q", got, want)
	}
}
