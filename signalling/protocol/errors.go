package protocol

import "fmt"

// Error codes carried by ErrorMessage (over the WebSocket) and by the JSON body of
// an HTTP refusal at /rtc. Token refusals use the codes of package signalling/auth
// ("token_expired", "wrong_room", ...), which are not repeated here.
const (
	// Decoding a client message.
	CodeMalformedMessage = "malformed_message" // not JSON, or a field of the wrong type
	CodeUnknownType      = "unknown_type"      // a type this protocol version does not know
	CodeInvalidArgument  = "invalid_argument"  // well-formed but a field is missing or out of range
	CodeMessageTooLarge  = "message_too_large" // over the server's maximum message size
	CodeRateLimited      = "rate_limited"      // too many messages; the session is dropped

	// Processing a request.
	CodePermissionDenied  = "permission_denied" // the token's grants do not allow it; message names the grant or source
	CodeTrackNotFound     = "track_not_found"
	CodeTooManyTracks     = "too_many_tracks"
	CodeInvalidSDP        = "invalid_sdp"
	CodeParticipantClosed = "participant_closed" // the participant already left
	CodeInternal          = "internal_error"

	// Refusals of the upgrade request at /rtc (HTTP status in parentheses).
	CodeUnsupportedProtocol = "unsupported_protocol" // 400: the protocol query parameter names another version
	CodeBadRequest          = "bad_request"          // 400: a malformed query parameter
	CodeRoomFull            = "room_full"            // 403
	CodeServerDraining      = "server_draining"      // 503: the server is shutting down; join another node or retry later
	CodeServerOverloaded    = "server_overloaded"    // 503 with Retry-After: the node is past its CPU, bandwidth or room budget
	CodeResumeUnavailable   = "resume_unavailable"   // 410: nothing to resume; do a fresh join
	CodeNodeUnavailable     = "node_unavailable"     // 503 with Retry-After: the node hosting the room does not answer (several nodes); retry
)

// DecodeError says why a client message was refused. ReqID is the request's id when
// the envelope could be read far enough to find it, so the error can answer it.
type DecodeError struct {
	Code    string
	Message string
	ReqID   uint32
	Type    string // the message type, when known
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// ErrorMessage returns the message to send to the client for e.
func (e *DecodeError) ErrorMessage() ErrorMessage {
	return ErrorMessage{Code: e.Code, Message: e.Message}
}
