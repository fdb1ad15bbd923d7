package server

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// checkHandshake refuses an upgrade request that the WebSocket library would
// refuse (RFC 6455 section 4.2.1), before the join or resume it asks for: the
// library refuses only after, so a broken handshake used to join a participant
// that left at once (the others saw both) or, on a resume, to take the session
// from its live connection into the grace period. The refusal is then ours, as
// JSON like every other.
func checkHandshake(r *http.Request) error {
	refuse := func(msg string) error {
		return &httpError{http.StatusBadRequest, protocol.CodeBadRequest, "WebSocket handshake: " + msg}
	}
	if !r.ProtoAtLeast(1, 1) {
		return refuse("HTTP/1.1 or later is required")
	}
	if v := r.Header.Get("Sec-WebSocket-Version"); v != "13" {
		return refuse("Sec-WebSocket-Version must be 13")
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return refuse("exactly one Sec-WebSocket-Key is required")
	}
	if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(keys[0])); err != nil || len(k) != 16 {
		return refuse("Sec-WebSocket-Key must be 16 bytes in base64")
	}
	return nil
}
