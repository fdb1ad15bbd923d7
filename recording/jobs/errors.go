package jobs

import "errors"

var (
	// ErrBusy: the node records as many rooms as Config.MaxConcurrent allows.
	ErrBusy = errors.New("recording: too many concurrent recordings on this node")
	// ErrNoSpace: the recordings directory has less free space than Config.MinFreeBytes.
	ErrNoSpace = errors.New("recording: not enough free disk space")
	// ErrAlreadyRecording: the room has a recording that has not ended.
	ErrAlreadyRecording = errors.New("recording: the room is being recorded already")
	// ErrEnded: the recording has ended already (stop of a finished recording).
	ErrEnded = errors.New("recording: the recording has ended")
	// ErrWrongRoom: the recording is not one of the named room's.
	ErrWrongRoom = errors.New("recording: no such recording in this room")
	// ErrInvalidOptions: the options cannot be honoured (unknown layout).
	ErrInvalidOptions = errors.New("recording: invalid options")
	// ErrClosed: the runner is closing and starts nothing.
	ErrClosed = errors.New("recording: runner closed")
)
