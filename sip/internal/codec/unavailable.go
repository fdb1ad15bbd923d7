//go:build !sipcodecs

package codec

import (
	"errors"
	"fmt"
)

// Without the build tag sipcodecs the binary links neither libopus nor spandsp, so
// that `go run ./cmd/ensemble serve` builds on a machine without their -dev
// packages; the SIP bridge then refuses to start and says how to build it.

// Built reports whether this binary has the Opus and G.722 coders.
const Built = false

// ErrOpus and ErrG722 exist in both builds, for errors.Is.
var (
	ErrOpus = errors.New("opus")
	ErrG722 = errors.New("g722")
)

// OpusEncoder and OpusDecoder cannot be made in this build.
type OpusEncoder struct{}

type OpusDecoder struct{}

func NewOpusEncoder(rate int) (*OpusEncoder, error) {
	return nil, fmt.Errorf("%w: %w", ErrOpus, ErrNotBuilt)
}

func NewOpusDecoder(rate int) (*OpusDecoder, error) {
	return nil, fmt.Errorf("%w: %w", ErrOpus, ErrNotBuilt)
}

func (*OpusEncoder) Encode([]int16) ([]byte, error)      { return nil, ErrNotBuilt }
func (*OpusEncoder) Close()                              {}
func (*OpusDecoder) Decode([]byte, []int16) (int, error) { return 0, ErrNotBuilt }
func (*OpusDecoder) Conceal([]int16) (int, error)        { return 0, ErrNotBuilt }
func (*OpusDecoder) Close()                              {}

func newG722Encoder() (Encoder, error) { return nil, fmt.Errorf("%w: %w", ErrG722, ErrNotBuilt) }
func newG722Decoder() (Decoder, error) { return nil, fmt.Errorf("%w: %w", ErrG722, ErrNotBuilt) }
