package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"gopkg.in/yaml.v3"
)

// openAPIYAML is the hand-written description of the API (easier to read and review
// as YAML); it is served as JSON.
//
//go:embed openapi.yaml
var openAPIYAML []byte

var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml to JSON: %w", err)
	}
	return b, nil
})

// OpenAPI returns the OpenAPI 3.1 description of the API as JSON.
func OpenAPI() ([]byte, error) { return openAPIJSON() }

func (h *handler) openAPI(req *request) *apiwire.Problem {
	b, err := openAPIJSON()
	if err != nil {
		return internal(h.log, req.r, err)
	}
	req.w.Header().Set("Content-Type", "application/json")
	_, _ = req.w.Write(b)
	return nil
}
