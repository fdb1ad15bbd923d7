package udpbatch

import "errors"

var (
	// ErrInvalidOptions: a batch size under 1 or a flush delay not above 0.
	ErrInvalidOptions = errors.New("udpbatch: invalid options")
	// ErrNotUDPAddr: WriteTo was given an address that is not a *net.UDPAddr.
	ErrNotUDPAddr = errors.New("udpbatch: not a UDP address")
)
