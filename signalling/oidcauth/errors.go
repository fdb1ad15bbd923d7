package oidcauth

import "errors"

// Errors of session checks; Code gives the machine-readable code the API answers with.
var (
	ErrNoSession      = errors.New("not signed in")
	ErrInvalidSession = errors.New("session is not valid (bad signature or format)")
	ErrExpiredSession = errors.New("session has expired")
	ErrRevokedSession = errors.New("session has ended (signed out)")
	ErrBadConfig      = errors.New("invalid sign-in configuration")
)

// Code is the problem code of a session error: not_signed_in, invalid_session,
// session_expired or session_ended.
func Code(err error) string {
	switch {
	case errors.Is(err, ErrNoSession):
		return "not_signed_in"
	case errors.Is(err, ErrExpiredSession):
		return "session_expired"
	case errors.Is(err, ErrRevokedSession):
		return "session_ended"
	}
	return "invalid_session"
}
