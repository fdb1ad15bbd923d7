package auth

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes. Each refusal has its own code so that clients, logs and tests can tell
// them apart; the strings are part of the wire protocol and the HTTP API.
const (
	CodeMissingToken         = "missing_token"
	CodeMalformedToken       = "malformed_token"
	CodeUnsupportedAlgorithm = "unsupported_algorithm"
	CodeUnknownKey           = "unknown_key"
	CodeInvalidSignature     = "invalid_signature"
	CodeTokenExpired         = "token_expired"
	CodeTokenNotYetValid     = "token_not_yet_valid"
	CodeWrongRoom            = "wrong_room"
	CodeMissingGrant         = "missing_grant"
	CodeMissingIdentity      = "missing_identity"
	CodeUnknownKind          = "unknown_kind"
)

// Codes lists every error code this package returns, for callers (and fuzz tests)
// that check a code is known.
var Codes = []string{
	CodeMissingToken, CodeMalformedToken, CodeUnsupportedAlgorithm, CodeUnknownKey,
	CodeInvalidSignature, CodeTokenExpired, CodeTokenNotYetValid, CodeWrongRoom,
	CodeMissingGrant, CodeMissingIdentity, CodeUnknownKind,
}

// Sentinel errors for minting and for the grant list parser (not token refusals,
// which are *Error values).
var (
	ErrEmptyKey        = errors.New("auth: empty API key or secret")
	ErrInvalidTTL      = errors.New("auth: token TTL must not be negative")
	ErrUnknownGrant    = errors.New("auth: unknown grant")
	ErrUnknownSource   = errors.New("auth: unknown publish source")
	ErrMissingIdentity = errors.New("auth: join token needs an identity")
	ErrUnknownKind     = errors.New("auth: unknown participant kind")
)

// Error is a refused token or a refused action. Code is one of the Code* constants,
// HTTPStatus the status an HTTP handler should answer with, Message a sentence for
// people, and Err the underlying cause when there is one.
type Error struct {
	Code       string
	HTTPStatus int
	Message    string
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// newError builds an *Error whose HTTP status follows from its code: problems with
// the credential itself are 401, a valid credential that does not allow the action 403.
func newError(code, msg string, cause error) *Error {
	status := http.StatusUnauthorized
	switch code {
	case CodeWrongRoom, CodeMissingGrant, CodeMissingIdentity, CodeUnknownKind:
		status = http.StatusForbidden
	}
	return &Error{Code: code, HTTPStatus: status, Message: msg, Err: cause}
}

// IsCode reports whether err is (or wraps) an *Error with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// CodeOf returns the code of the *Error in err's chain, or "" when there is none.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
