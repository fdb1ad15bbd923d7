package client

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors of the client.
var (
	// ErrClosed is returned by calls on a client whose session ended.
	ErrClosed = errors.New("client: closed")
	// ErrConnectionLost fails a request whose WebSocket dropped before the answer came;
	// the client resumes on its own, and the request may be sent again.
	ErrConnectionLost = errors.New("client: signalling connection lost")
	// ErrUnexpectedMessage is returned when the server opens a session with something
	// other than a join (or resumed) message.
	ErrUnexpectedMessage = errors.New("client: unexpected message from the server")
	// ErrTrackNotPublished is returned for operations on a track not (or no longer) published.
	ErrTrackNotPublished = errors.New("client: track not published")
	// ErrInvalidOptions is returned for inconsistent TrackOptions, an unknown codec,
	// or a write to a layer the track does not have.
	ErrInvalidOptions = errors.New("client: invalid options")
	// ErrNoTelephoneEvent is returned by WriteTelephoneEvent when telephone-event
	// was not negotiated for the track.
	ErrNoTelephoneEvent = errors.New("client: telephone-event not negotiated")
)

// Error is a refusal by the server: of the join (HTTP status and JSON body, such as
// 401 token_expired) or of one request (an error message with the request's req_id).
type Error struct {
	// Code is the server's machine-readable code ("token_expired", "permission_denied", ...).
	Code string
	// Message is the server's explanation for people.
	Message string
	// HTTPStatus is the status of a refused join or resume; 0 for request errors.
	HTTPStatus int
	// Op names what the client was doing ("join", "add_track", ...).
	Op string
	// RetryAfter is the wait the server asked for with a refused join's
	// Retry-After header (503 server_overloaded, node_unavailable, ...); 0 when
	// it named none.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.HTTPStatus != 0 {
		return fmt.Sprintf("client: %s refused (HTTP %d %s): %s", e.Op, e.HTTPStatus, e.Code, e.Message)
	}
	return fmt.Sprintf("client: %s refused (%s): %s", e.Op, e.Code, e.Message)
}

// ErrorCode returns the server's code carried by err (see Error), or "" when err
// is not a refusal by the server.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
