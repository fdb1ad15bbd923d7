//go:build sipcodecs

package codec

/*
#cgo pkg-config: spandsp
#include <stdint.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// ErrG722 wraps failures of spandsp's G.722 coder.
var ErrG722 = errors.New("g722")

// g722Encoder codes 16 kHz PCM at 64 kbit/s (one byte per two samples) with
// spandsp.
type g722Encoder struct{ s *C.g722_encode_state_t }

func newG722Encoder() (*g722Encoder, error) {
	s := C.g722_encode_init(nil, 64000, 0)
	if s == nil {
		return nil, fmt.Errorf("%w: encoder init failed", ErrG722)
	}
	return &g722Encoder{s: s}, nil
}

func (e *g722Encoder) Encode(pcm []int16) ([]byte, error) {
	if len(pcm) == 0 {
		return nil, fmt.Errorf("%w: encode: empty frame", ErrG722)
	}
	out := make([]byte, len(pcm)/2+1)
	n := C.g722_encode(e.s, (*C.uint8_t)(unsafe.Pointer(&out[0])), (*C.int16_t)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)))
	return out[:n], nil
}

func (e *g722Encoder) Close() {
	if e.s != nil {
		C.g722_encode_free(e.s)
		e.s = nil
	}
}

// g722Decoder decodes 64 kbit/s G.722 to 16 kHz PCM.
type g722Decoder struct{ s *C.g722_decode_state_t }

func newG722Decoder() (*g722Decoder, error) {
	s := C.g722_decode_init(nil, 64000, 0)
	if s == nil {
		return nil, fmt.Errorf("%w: decoder init failed", ErrG722)
	}
	return &g722Decoder{s: s}, nil
}

// Decode writes two samples per payload byte; pcm must hold them.
func (d *g722Decoder) Decode(payload []byte, pcm []int16) (int, error) {
	if len(payload) == 0 {
		return d.Conceal(pcm)
	}
	if len(pcm) < 2*len(payload) {
		return 0, fmt.Errorf("%w: decode: %d bytes need %d samples, buffer holds %d", ErrG722, len(payload), 2*len(payload), len(pcm))
	}
	n := C.g722_decode(d.s, (*C.int16_t)(unsafe.Pointer(&pcm[0])), (*C.uint8_t)(unsafe.Pointer(&payload[0])), C.int(len(payload)))
	return int(n), nil
}

// Conceal writes a frame of silence: G.722 has no concealment of its own.
func (d *g722Decoder) Conceal(pcm []int16) (int, error) {
	n := min(G722.FrameSamples(), len(pcm))
	clear(pcm[:n])
	return n, nil
}

func (d *g722Decoder) Close() {
	if d.s != nil {
		C.g722_decode_free(d.s)
		d.s = nil
	}
}
