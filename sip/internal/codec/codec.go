// Package codec holds the audio codecs of the SIP bridge behind one interface:
// G.711 µ-law and A-law (ITU-T G.711 is a table lookup, written here from the
// standard's segment rules), G.722 through spandsp and Opus through libopus, both
// with cgo (Debian's libspandsp-dev and libopus-dev). Every codec works on 20 ms
// frames of 16-bit mono PCM at its own PCM rate.
package codec

import (
	"errors"
	"fmt"
	"strings"
)

// FrameMillis is the length of every frame the bridge codes: 20 ms, the
// packetisation time it answers with (a=ptime:20).
const FrameMillis = 20

// ErrUnknownCodec is returned for a codec name the package does not code.
var ErrUnknownCodec = errors.New("codec: unknown codec")

// ErrNotBuilt: the binary was built without the SIP codecs (see Built).
var ErrNotBuilt = errors.New("codec: this binary was built without the SIP codecs (build with -tags sipcodecs, with libopus-dev and libspandsp-dev installed)")

// Encoder codes one frame of PCM (Info.FrameSamples samples) into a payload.
type Encoder interface {
	Encode(pcm []int16) ([]byte, error)
	Close()
}

// Decoder decodes one payload into PCM, or conceals a lost frame (Conceal), and
// returns the samples written into pcm (which must hold Info.FrameSamples, and
// more for a payload longer than a frame).
type Decoder interface {
	Decode(payload []byte, pcm []int16) (int, error)
	Conceal(pcm []int16) (int, error)
	Close()
}

// Info describes a codec as RTP and SDP name it.
type Info struct {
	Name      string // SDP encoding name: PCMU, PCMA, G722, opus
	PCMRate   int    // samples per second of the PCM it codes
	ClockRate uint32 // RTP clock rate (8000 for G.722, RFC 3551's historical error)
	Channels  int    // SDP channel count (2 for opus, always decoded to mono)
	StaticPT  int    // static RTP payload type, -1 for a dynamic one
}

// FrameSamples is the PCM samples of one 20 ms frame.
func (i Info) FrameSamples() int { return i.PCMRate * FrameMillis / 1000 }

// FrameTicks is the RTP timestamp advance of one 20 ms frame.
func (i Info) FrameTicks() uint32 { return i.ClockRate * FrameMillis / 1000 }

// Known codecs, in the bridge's order of preference when the offer leaves the choice.
var (
	Opus = Info{Name: "opus", PCMRate: 48000, ClockRate: 48000, Channels: 2, StaticPT: -1}
	G722 = Info{Name: "G722", PCMRate: 16000, ClockRate: 8000, Channels: 1, StaticPT: 9}
	PCMU = Info{Name: "PCMU", PCMRate: 8000, ClockRate: 8000, Channels: 1, StaticPT: 0}
	PCMA = Info{Name: "PCMA", PCMRate: 8000, ClockRate: 8000, Channels: 1, StaticPT: 8}
)

// All lists the known codecs.
var All = []Info{Opus, G722, PCMU, PCMA}

// Lookup finds a codec by its SDP encoding name and clock rate (case-insensitive).
func Lookup(name string, clockRate uint32) (Info, bool) {
	for _, c := range All {
		if strings.EqualFold(c.Name, name) && c.ClockRate == clockRate {
			return c, true
		}
	}
	return Info{}, false
}

// NewEncoder returns an encoder for c.
func NewEncoder(c Info) (Encoder, error) {
	switch c.Name {
	case PCMU.Name:
		return g711Encoder{alaw: false, n: c.FrameSamples()}, nil
	case PCMA.Name:
		return g711Encoder{alaw: true, n: c.FrameSamples()}, nil
	case G722.Name:
		return newG722Encoder()
	case Opus.Name:
		return NewOpusEncoder(c.PCMRate)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownCodec, c.Name)
}

// NewDecoder returns a decoder for c.
func NewDecoder(c Info) (Decoder, error) {
	switch c.Name {
	case PCMU.Name:
		return g711Decoder{alaw: false, n: c.FrameSamples()}, nil
	case PCMA.Name:
		return g711Decoder{alaw: true, n: c.FrameSamples()}, nil
	case G722.Name:
		return newG722Decoder()
	case Opus.Name:
		return NewOpusDecoder(c.PCMRate)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownCodec, c.Name)
}
