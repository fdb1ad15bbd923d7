package clip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"
)

// Errors of the IVF parser.
var (
	ErrIVFSignature = errors.New("clip: not an IVF file (no DKIF signature)")
	ErrIVFShort     = errors.New("clip: ivf file truncated")
)

// ParseIVF reads an IVF file (VP8, VP9 or AV1). Frame durations come from the
// presentation timestamps and the file's time base. (IVF is simple enough to read
// here: Pion's ivfreader scales timestamps in a way that is easy to misread.)
func ParseIVF(data []byte) (*Clip, error) {
	const fileHeader, frameHeader = 32, 12
	if len(data) < fileHeader {
		return nil, ErrIVFShort
	}
	if string(data[:4]) != "DKIF" {
		return nil, ErrIVFSignature
	}
	c := &Clip{
		Width:  int(binary.LittleEndian.Uint16(data[12:14])),
		Height: int(binary.LittleEndian.Uint16(data[14:16])),
	}
	switch fourCC := string(data[8:12]); fourCC {
	case "VP80":
		c.MimeType = webrtc.MimeTypeVP8
	case "VP90":
		c.MimeType = webrtc.MimeTypeVP9
	case "AV01":
		c.MimeType = webrtc.MimeTypeAV1
	default:
		return nil, fmt.Errorf("clip: ivf codec %q is not VP8, VP9 or AV1", fourCC)
	}
	// The time base is scale/rate seconds per timestamp unit.
	rate := binary.LittleEndian.Uint32(data[16:20])
	scale := binary.LittleEndian.Uint32(data[20:24])
	if rate == 0 || scale == 0 {
		return nil, fmt.Errorf("clip: ivf time base %d/%d is invalid", scale, rate)
	}
	tick := time.Second * time.Duration(scale) / time.Duration(rate)
	var pts []uint64
	for off := int(binary.LittleEndian.Uint16(data[6:8])); off < len(data); {
		if off < fileHeader || len(data)-off < frameHeader {
			return nil, fmt.Errorf("%w: frame header at byte %d", ErrIVFShort, off)
		}
		size := int(binary.LittleEndian.Uint32(data[off : off+4]))
		ts := binary.LittleEndian.Uint64(data[off+4 : off+12])
		off += frameHeader
		if size < 0 || len(data)-off < size {
			return nil, fmt.Errorf("%w: frame %d", ErrIVFShort, len(c.Frames))
		}
		frame := data[off : off+size : off+size]
		off += size
		if size == 0 {
			continue
		}
		c.Frames = append(c.Frames, Frame{Data: frame, Keyframe: isKeyframe(c.MimeType, frame)})
		pts = append(pts, ts)
	}
	if len(c.Frames) == 0 {
		return nil, ErrEmpty
	}
	for i := range c.Frames {
		d := tick
		if i+1 < len(pts) && pts[i+1] > pts[i] && pts[i+1]-pts[i] < 1<<20 {
			d = tick * time.Duration(pts[i+1]-pts[i])
		} else if i > 0 {
			d = c.Frames[i-1].Duration
		}
		c.Frames[i].Duration = d
	}
	return c, nil
}

// isKeyframe reads the key-frame flag of a frame: for VP8 bit 0 of the frame tag
// (RFC 6386 9.1: 0 is a key frame); for VP9 the frame_type bit of the uncompressed
// header (VP9 bitstream 6.2: frame marker, profile bits, show_existing_frame,
// frame_type; profile 3 has one reserved bit more). AV1 frames count as keyframes
// only when they are the first; the player then restarts at frame 0.
func isKeyframe(mime string, frame []byte) bool {
	if len(frame) == 0 {
		return false
	}
	switch mime {
	case webrtc.MimeTypeVP8:
		return frame[0]&1 == 0
	case webrtc.MimeTypeVP9:
		b := frame[0]
		if b>>6 != 2 { // frame_marker
			return false
		}
		shift := 0
		if profile := (b>>5)&1 | (b>>4)&1<<1; profile == 3 {
			shift = 1
		}
		showExisting := b >> (3 - shift) & 1
		frameType := b >> (2 - shift) & 1
		return showExisting == 0 && frameType == 0
	}
	return false
}
