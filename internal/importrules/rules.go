package importrules

import (
	"fmt"
	"slices"
	"strings"
)

// Rule forbids the packages under Subject (the package and those below it) to depend
// on certain packages, directly or transitively.
type Rule struct {
	// Subject is a package root, relative to the module ("sfu", "signalling/client").
	Subject string
	// Why says what the rule protects, for the failure message.
	Why string
	// Forbidden reports whether the subject may not depend on pkg.
	Forbidden func(g Graph, pkg string) bool
	// Except are sub-trees of Subject the rule does not cover (relative to the
	// module), each with its reason in the rule's list.
	Except []string
	// MustExist: the subject must be in the graph (a rename must not switch the
	// rule off silently). Off for packages still to be written.
	MustExist bool
}

// notUnder forbids the packages under one of the roots (relative to the module).
func notUnder(roots ...string) func(Graph, string) bool {
	return func(_ Graph, pkg string) bool {
		return slices.ContainsFunc(roots, func(r string) bool { return under(pkg, Module+"/"+r) })
	}
}

// onlyStandard forbids every package outside the standard library.
func onlyStandard(g Graph, pkg string) bool { return !g[pkg].Standard }

// Rules are the import rules of Ensemble.
var Rules = []Rule{
	{Subject: "vocab", Why: "the shared vocabulary is a leaf: standard library only", Forbidden: onlyStandard, MustExist: true},
	{Subject: "sfu", Why: "the media plane knows no wire protocol", Forbidden: notUnder("signalling"), MustExist: true},
	{Subject: "signalling/client", Why: "a client does not link the media plane", Forbidden: notUnder("sfu"), MustExist: true},
	{Subject: "loadtest", Why: "a client does not link the media plane", Forbidden: notUnder("sfu"), MustExist: true},
	// The recorder, its runner and the record worker are clients; the worker calls
	// the API through signalling/apiclient, not through the handlers.
	{Subject: "recording", Why: "a client does not link the media plane", Forbidden: notUnder("sfu")},
	// The API client and the bodies it shares with the handlers are apart from the
	// handlers (signalling/api), which drive the engine: a program that only calls the
	// API links neither.
	{Subject: "signalling/apiclient", Why: "the API client links neither the handlers nor the media plane", Forbidden: notUnder("sfu", "signalling/api"), MustExist: true},
	{Subject: "signalling/apiwire", Why: "the API's bodies are shared by its client: they link neither the handlers nor the media plane", Forbidden: notUnder("sfu", "signalling/api"), MustExist: true},
	{Subject: "signalling/webhook", Why: "webhooks are sent by clients too (the recording runner); only sfuhooks wires them to the engine", Forbidden: notUnder("sfu"), Except: []string{"signalling/webhook/sfuhooks"}},
	{Subject: "sip", Why: "a client does not link the media plane", Forbidden: notUnder("sfu")},
	{Subject: "cluster", Why: "membership and placement know neither the media plane nor the wire protocol", Forbidden: func(g Graph, pkg string) bool {
		return notUnder("sfu")(g, pkg) || notUnder("signalling")(g, pkg)
	}},
	{Subject: "cmd", Why: "the OpenID provider of the tests stays out of the binary", Forbidden: testProvider, MustExist: true},
}

// testProvider is the test-only OpenID provider and what it is built on.
func testProvider(_ Graph, pkg string) bool {
	return under(pkg, Module+"/internal/oidctest") || strings.HasPrefix(pkg, "github.com/zitadel/")
}

// Violation is one forbidden dependency, with the import chain that brings it.
type Violation struct {
	Rule    Rule
	Package string
	Dep     string
	Chain   []string
}

func (v Violation) String() string {
	short := make([]string, len(v.Chain))
	for i, p := range v.Chain {
		short[i] = strings.TrimPrefix(p, Module+"/")
	}
	return fmt.Sprintf("%s must not depend on %s (%s): %s",
		strings.TrimPrefix(v.Package, Module+"/"), strings.TrimPrefix(v.Dep, Module+"/"), v.Rule.Why, strings.Join(short, " → "))
}

// Check returns the violations of rules in g, and an error for a rule whose
// subject must exist but does not. Each violation is where the import graph first
// enters forbidden ground (what lies behind it is not listed again), with the
// shortest chain that gets there.
func Check(g Graph, rules []Rule) ([]Violation, error) {
	var out []Violation
	paths := make([]string, 0, len(g))
	for p := range g {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, r := range rules {
		root := Module + "/" + r.Subject
		found := false
		for _, p := range paths {
			if !under(p, root) || slices.ContainsFunc(r.Except, func(e string) bool { return under(p, Module+"/"+e) }) {
				continue
			}
			found = true
			for _, chain := range g.entries(p, func(dep string) bool { return r.Forbidden(g, dep) }) {
				out = append(out, Violation{Rule: r, Package: p, Dep: chain[len(chain)-1], Chain: chain})
			}
		}
		if !found && r.MustExist {
			return nil, fmt.Errorf("importrules: no package %s: a rule's subject must exist (renamed?)", root)
		}
	}
	return out, nil
}
