package whip

import (
	"encoding/json"
	"net/http"
)

// Error responses are RFC 9457 problem documents, as on the HTTP API: the
// status is the one RFC 9725 names for each case (415 for a wrong content type,
// 401 with WWW-Authenticate for a missing or bad token, 412/428 for ICE
// restarts), and code is a stable name for programs.

const problemContentType = "application/problem+json"

// problemTypeBase prefixes codes to make the "type" URI (as the HTTP API does).
const problemTypeBase = "urn:ensemble:problem:"

// Problem codes of this package (the token and admission ones come from
// signalling/auth and signalling/protocol).
const (
	codeBadRequest        = "bad_request"
	codeUnsupportedMedia  = "unsupported_media_type"
	codeBodyTooLarge      = "body_too_large"
	codeInvalidSDP        = "invalid_sdp"
	codeNotFound          = "not_found"
	codePreconditionFail  = "precondition_failed"
	codePreconditionNeed  = "precondition_required"
	codeStaleCredentials  = "stale_ice_credentials"
	codeWrongKind         = "wrong_kind"
	codeSessionForbidden  = "not_your_session"
	codeServerUnavailable = "server_draining"
)

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   string `json:"code"`
}

// writeProblem answers a refused request.
func writeProblem(w http.ResponseWriter, status int, code, detail string) {
	h := w.Header()
	h.Set("Content-Type", problemContentType)
	h.Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="ensemble"`)
	}
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{
		Type: problemTypeBase + code, Title: http.StatusText(status), Status: status, Detail: detail, Code: code,
	})
}
