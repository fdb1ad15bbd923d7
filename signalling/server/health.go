package server

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
)

// serveHealthz answers while the process serves HTTP at all (liveness).
func (s *Server) serveHealthz(w http.ResponseWriter, _ *http.Request) {
	writeStatus(w, http.StatusOK, "ok")
}

// serveReadyz answers 200 while the server takes new joins and 503 once it drains,
// so a load balancer stops sending clients here. The details of SetReadyDetail
// are added beside the status.
func (s *Server) serveReadyz(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	details := maps.Clone(s.readyDetails)
	s.mu.Unlock()
	body := map[string]any{}
	for name, detail := range details {
		body[name] = detail()
	}
	if s.Draining() {
		writeJSONStatus(w, http.StatusServiceUnavailable, "draining", body)
		return
	}
	writeJSONStatus(w, http.StatusOK, "ready", body)
}

// SetReadyDetail adds name, with what detail returns at each request, to the
// answer of /readyz: the state of a part that does not decide readiness (the
// SIP bridge's registration: a node whose registrar is down still serves its
// rooms). "status" is the server's own and cannot be replaced.
func (s *Server) SetReadyDetail(name string, detail func() any) error {
	if name == "status" || name == "" {
		return fmt.Errorf("server: readiness detail name %q is not allowed", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readyDetails == nil {
		s.readyDetails = map[string]func() any{}
	}
	s.readyDetails[name] = detail
	return nil
}

func writeStatus(w http.ResponseWriter, status int, state string) {
	writeJSONStatus(w, status, state, nil)
}

func writeJSONStatus(w http.ResponseWriter, status int, state string, body map[string]any) {
	if body == nil {
		body = map[string]any{}
	}
	body["status"] = state
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
