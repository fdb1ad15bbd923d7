//go:build sipcodecs

package codec

/*
#cgo pkg-config: opus
#include <opus.h>

// The ctl calls are variadic macros, which cgo cannot call.
static int ens_opus_voip(OpusEncoder *e, int bitrate) {
	int err = opus_encoder_ctl(e, OPUS_SET_BITRATE(bitrate));
	if (err != OPUS_OK) return err;
	err = opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(1));
	if (err != OPUS_OK) return err;
	return opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(5));
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// ErrOpus wraps the errors libopus returns.
var ErrOpus = errors.New("opus")

func opusError(op string, code C.int) error {
	return fmt.Errorf("%w: %s: %s", ErrOpus, op, C.GoString(C.opus_strerror(code)))
}

// maxOpusPacket bounds an encoded frame (RFC 6716 allows 1275 bytes per frame).
const maxOpusPacket = 1275

// OpusEncoder encodes mono PCM at 8, 12, 16, 24 or 48 kHz into Opus (VoIP
// mode, 32 kbit/s, in-band FEC on).
type OpusEncoder struct {
	enc  *C.OpusEncoder
	rate int
	buf  [maxOpusPacket]byte
}

// NewOpusEncoder makes an encoder for mono PCM at rate.
func NewOpusEncoder(rate int) (*OpusEncoder, error) {
	var errc C.int
	enc := C.opus_encoder_create(C.opus_int32(rate), 1, C.OPUS_APPLICATION_VOIP, &errc)
	if errc != C.OPUS_OK {
		return nil, opusError("create encoder", errc)
	}
	if errc = C.ens_opus_voip(enc, 32000); errc != C.OPUS_OK {
		C.opus_encoder_destroy(enc)
		return nil, opusError("configure encoder", errc)
	}
	return &OpusEncoder{enc: enc, rate: rate}, nil
}

// Encode codes one frame (2.5 to 60 ms of samples).
func (e *OpusEncoder) Encode(pcm []int16) ([]byte, error) {
	if len(pcm) == 0 {
		return nil, fmt.Errorf("%w: encode: empty frame", ErrOpus)
	}
	n := C.opus_encode(e.enc, (*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)),
		(*C.uchar)(unsafe.Pointer(&e.buf[0])), C.opus_int32(len(e.buf)))
	if n < 0 {
		return nil, opusError("encode", n)
	}
	return append([]byte(nil), e.buf[:n]...), nil
}

// Close frees the encoder.
func (e *OpusEncoder) Close() {
	if e.enc != nil {
		C.opus_encoder_destroy(e.enc)
		e.enc = nil
	}
}

// OpusDecoder decodes Opus (mono or stereo streams) into mono PCM at its rate.
type OpusDecoder struct {
	dec   *C.OpusDecoder
	frame int // samples of a 20 ms frame, for concealment
}

// NewOpusDecoder makes a decoder to mono PCM at rate (8, 12, 16, 24 or 48 kHz).
func NewOpusDecoder(rate int) (*OpusDecoder, error) {
	var errc C.int
	dec := C.opus_decoder_create(C.opus_int32(rate), 1, &errc)
	if errc != C.OPUS_OK {
		return nil, opusError("create decoder", errc)
	}
	return &OpusDecoder{dec: dec, frame: rate * FrameMillis / 1000}, nil
}

// Decode decodes one packet into pcm, which must hold the packet's samples
// (up to 120 ms).
func (d *OpusDecoder) Decode(payload []byte, pcm []int16) (int, error) {
	if len(payload) == 0 {
		return d.Conceal(pcm)
	}
	n := C.opus_decode(d.dec, (*C.uchar)(unsafe.Pointer(&payload[0])), C.opus_int32(len(payload)),
		(*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)), 0)
	if n < 0 {
		return 0, opusError("decode", n)
	}
	return int(n), nil
}

// Conceal fills one 20 ms frame by libopus's packet loss concealment.
func (d *OpusDecoder) Conceal(pcm []int16) (int, error) {
	n := C.opus_decode(d.dec, nil, 0, (*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(min(d.frame, len(pcm))), 0)
	if n < 0 {
		return 0, opusError("conceal", n)
	}
	return int(n), nil
}

// Close frees the decoder.
func (d *OpusDecoder) Close() {
	if d.dec != nil {
		C.opus_decoder_destroy(d.dec)
		d.dec = nil
	}
}
