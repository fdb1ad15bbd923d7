package server

import (
	"encoding/json"
	"net/http"
)

// serveHealthz answers while the process serves HTTP at all (liveness).
func (s *Server) serveHealthz(w http.ResponseWriter, _ *http.Request) {
	writeStatus(w, http.StatusOK, "ok")
}

// serveReadyz answers 200 while the server takes new joins and 503 once it drains,
// so a load balancer stops sending clients here.
func (s *Server) serveReadyz(w http.ResponseWriter, _ *http.Request) {
	if s.Draining() {
		writeStatus(w, http.StatusServiceUnavailable, "draining")
		return
	}
	writeStatus(w, http.StatusOK, "ready")
}

func writeStatus(w http.ResponseWriter, status int, state string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": state})
}
