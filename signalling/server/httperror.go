package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// httpError is a refusal of an HTTP request, answered as JSON {"code","message"}.
type httpError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *httpError) Error() string { return e.Code + ": " + e.Message }

// refusal turns err into the HTTP refusal to send: auth errors keep their code and
// status; anything else is an internal error.
func refusal(err error) *httpError {
	var he *httpError
	if errors.As(err, &he) {
		return he
	}
	var ae *auth.Error
	if errors.As(err, &ae) {
		status := ae.HTTPStatus
		if status == 0 {
			status = http.StatusUnauthorized
		}
		return &httpError{Status: status, Code: ae.Code, Message: ae.Message}
	}
	return &httpError{Status: http.StatusInternalServerError, Code: protocol.CodeInternal, Message: "internal error"}
}

// writeJSONError answers a refused request.
func writeJSONError(w http.ResponseWriter, e *httpError) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if e.Status == http.StatusServiceUnavailable {
		retry := "5"
		if e.Code == protocol.CodeServerOverloaded {
			retry = overloadRetryAfter
		}
		w.Header().Set("Retry-After", retry)
	}
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(e)
}
