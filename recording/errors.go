package recording

import "errors"

var (
	// ErrNoDir is returned by Start without a directory.
	ErrNoDir = errors.New("recording: no directory")
	// ErrStopped is returned by a second Stop.
	ErrStopped = errors.New("recording: already stopped")
	// ErrUnknownLayout is returned by Start for a Layout it does not know.
	ErrUnknownLayout = errors.New("recording: unknown layout")
)
