package mediafile

import "errors"

var (
	// ErrUnsupportedCodec is returned for a codec no container here takes
	// (G.711, G.722: the recorder does not write them).
	ErrUnsupportedCodec = errors.New("mediafile: unsupported codec")
	// ErrClosed is returned by writes after Close.
	ErrClosed = errors.New("mediafile: writer closed")
	// ErrBackwards is returned for a frame placed before the previous one.
	ErrBackwards = errors.New("mediafile: frame before the previous one")
)
