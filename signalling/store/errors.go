package store

import "errors"

var (
	// ErrNotFound: no record with that key.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: the record exists already (CreateRoom, a meeting id or SIP id taken), or
	// an update kept losing against concurrent writers.
	ErrConflict = errors.New("store: conflict")
	// ErrInvalid: the record cannot be stored as given (empty key, an update changing an
	// immutable field, a record written by a newer version of Ensemble).
	ErrInvalid = errors.New("store: invalid record")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
)
