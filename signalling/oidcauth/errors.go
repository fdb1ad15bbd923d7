package oidcauth

import "errors"

// Errors of session checks; Code gives the machine-readable code the API answers with.
var (
	ErrNoSession      = errors.New("not signed in")
	ErrInvalidSession = errors.New("session is not valid (bad signature or format)")
	ErrExpiredSession = errors.New("session has expired")
	ErrRevokedSession = errors.New("session has ended (signed out)")
	ErrBadConfig      = errors.New("invalid sign-in configuration")
	// ErrSessionCheck: the revocation list could not be read (the store is down).
	ErrSessionCheck = errors.New("session could not be checked")
)

// Code is the problem code of a session error: not_signed_in, invalid_session,
// session_expired, session_ended or session_check_failed.
func Code(err error) string {
	switch {
	case errors.Is(err, ErrNoSession):
		return "not_signed_in"
	case errors.Is(err, ErrExpiredSession):
		return "session_expired"
	case errors.Is(err, ErrRevokedSession):
		return "session_ended"
	case errors.Is(err, ErrSessionCheck):
		return "session_check_failed"
	}
	return "invalid_session"
}
