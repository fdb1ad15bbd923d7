package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The OpenAPI document and the route table describe the same API: every registered
// route is documented with its method, and every documented operation is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/api/v1/openapi.json", "", "")
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	r.ok(t, 200, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	var served, documented []string
	for _, rt := range Routes() {
		served = append(served, rt.Method+" "+rt.Pattern)
		op, ok := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)].(map[string]any)
		if !ok {
			t.Errorf("route %s %s is not in openapi.yaml", rt.Method, rt.Pattern)
			continue
		}
		// Public routes must say so (security: []); host routes name the session;
		// others inherit bearer.
		sec, hasSec := op["security"]
		public := hasSec && len(sec.([]any)) == 0
		if rt.Scope == ScopeHost {
			if !strings.Contains(fmt.Sprint(sec), "session") {
				t.Errorf("%s %s: host route with openapi security %v, want session", rt.Method, rt.Pattern, sec)
			}
			continue
		}
		if public != (rt.Grant == "") {
			t.Errorf("%s %s: grant %q but openapi security %v", rt.Method, rt.Pattern, rt.Grant, sec)
		}
		if rt.Grant != "" && !strings.Contains(op["summary"].(string)+" "+strings.Join(descriptions(op), " "), rt.Grant) {
			t.Errorf("%s %s: summary does not name grant %s", rt.Method, rt.Pattern, rt.Grant)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(served)
	slices.Sort(documented)
	for _, d := range documented {
		if !slices.Contains(served, d) {
			t.Errorf("openapi.yaml documents %s, which no route serves", d)
		}
	}
	// Every $ref resolves.
	var whole map[string]any
	if err := json.Unmarshal(r.body, &whole); err != nil {
		t.Fatal(err)
	}
	walkRefs(t, whole, whole)
}

func descriptions(op map[string]any) []string {
	if d, ok := op["description"].(string); ok {
		return []string{d}
	}
	return nil
}

func walkRefs(t *testing.T, root, node any) {
	switch n := node.(type) {
	case map[string]any:
		if ref, ok := n["$ref"].(string); ok {
			var cur any = root
			for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				m, _ := cur.(map[string]any)
				cur = m[part]
			}
			if cur == nil {
				t.Errorf("unresolved $ref %s", ref)
			}
		}
		for _, v := range n {
			walkRefs(t, root, v)
		}
	case []any:
		for _, v := range n {
			walkRefs(t, root, v)
		}
	}
}
