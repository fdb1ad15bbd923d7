package importrules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// Module is the module path of Ensemble.
const Module = "github.com/ensemble-sfu/ensemble"

// Package is one node of the import graph.
type Package struct {
	ImportPath string
	Standard   bool     // part of the standard library
	Imports    []string // direct imports, not counting tests
}

// Graph is the import graph of the module's packages and of all they depend on,
// keyed by import path.
type Graph map[string]Package

// LoadGraph runs `go list -deps -json` on every package of the module in dir.
func LoadGraph(dir string) (Graph, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("importrules: the go command is needed to read the import graph: %w", err)
	}
	cmd := exec.Command(gobin, "list", "-deps", "-json=ImportPath,Standard,Imports", Module+"/...")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("importrules: go list: %w: %s", err, stderr.String())
	}
	return decodeGraph(bytes.NewReader(out))
}

// decodeGraph reads the stream of JSON objects `go list -json` prints.
func decodeGraph(r io.Reader) (Graph, error) {
	g := Graph{}
	dec := json.NewDecoder(r)
	for {
		var p Package
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			return g, nil
		}
		if err != nil {
			return nil, fmt.Errorf("importrules: decode go list output: %w", err)
		}
		g[p.ImportPath] = p
	}
}

// under reports whether path is the package root or one below it.
func under(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}

// entries walks the imports from one package, breadth first, and returns the
// chain to every forbidden package it meets, without walking past one.
func (g Graph) entries(from string, forbidden func(string) bool) [][]string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	var out [][]string
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur != from && forbidden(cur) {
			var chain []string
			for p := cur; p != ""; p = prev[p] {
				chain = append([]string{p}, chain...)
			}
			out = append(out, chain)
			continue
		}
		for _, next := range g[cur].Imports {
			if _, seen := prev[next]; !seen {
				prev[next] = cur
				queue = append(queue, next)
			}
		}
	}
	return out
}
