package server

import "errors"

// Sentinel errors.
var (
	ErrNoEngine    = errors.New("server: Config.Engine is required")
	ErrNoVerifier  = errors.New("server: Config.Verifier is required")
	ErrClosed      = errors.New("server: closed")
	ErrQueueFull   = errors.New("server: outgoing queue full")
	ErrRateLimited = errors.New("server: client sent too many messages")
	ErrPingTimeout = errors.New("server: client silent for too long")
)
