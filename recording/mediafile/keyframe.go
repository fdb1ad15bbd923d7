package mediafile

import (
	"strings"

	"github.com/pion/webrtc/v4"
)

// IsKeyframe reports whether a whole video frame (as Pion's depacketizers
// assemble it) can be decoded on its own. Audio frames always can.
func IsKeyframe(mimeType string, frame []byte) bool {
	if len(frame) == 0 {
		return false
	}
	switch strings.ToLower(mimeType) {
	case strings.ToLower(webrtc.MimeTypeVP8):
		// RFC 6386 9.1: the frame tag's first bit is 0 for a key frame.
		return frame[0]&1 == 0
	case strings.ToLower(webrtc.MimeTypeVP9):
		return vp9Keyframe(frame)
	case strings.ToLower(webrtc.MimeTypeH264):
		return h264HasIDR(frame)
	case strings.ToLower(webrtc.MimeTypeAV1):
		return av1HasSequenceHeader(frame)
	}
	return true
}

// VP8Size reads the picture size from a VP8 key frame (RFC 6386 9.1: a 3-byte
// frame tag, the start code 9d 01 2a, then 14-bit width and height).
func VP8Size(frame []byte) (width, height int, ok bool) {
	if len(frame) < 10 || frame[0]&1 != 0 || frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a {
		return 0, 0, false
	}
	width = int(frame[6]) | int(frame[7]&0x3f)<<8
	height = int(frame[8]) | int(frame[9]&0x3f)<<8
	return width, height, true
}

// vp9Keyframe reads the start of a VP9 uncompressed header (VP9 bitstream
// specification 6.2): frame marker, profile, show_existing_frame, frame_type.
func vp9Keyframe(frame []byte) bool {
	b := frame[0]
	if b>>6 != 2 { // frame_marker
		return false
	}
	profile := (b>>5)&1 | (b>>4)&1<<1
	shift := uint(3) // bit of show_existing_frame, counted from the bottom
	if profile == 3 {
		shift = 2 // a reserved zero bit follows the profile
	}
	if (b>>shift)&1 == 1 {
		return false // shows an earlier frame
	}
	return (b>>(shift-1))&1 == 0 // frame_type 0 is KEY_FRAME
}

// h264HasIDR reports whether an Annex-B access unit holds an IDR slice (NAL
// unit type 5).
func h264HasIDR(au []byte) bool {
	idr := false
	forEachNAL(au, func(nal []byte) { idr = idr || nal[0]&0x1f == h264IDR })
	return idr
}

// av1HasSequenceHeader reports whether a temporal unit starts a coded video
// sequence: encoders (and WebRTC senders) put a sequence header OBU (type 1)
// before each key frame.
func av1HasSequenceHeader(tu []byte) bool {
	for i := 0; i < len(tu); {
		header := tu[i]
		obuType := header >> 3 & 0xf
		if obuType == 1 {
			return true
		}
		if header&0x02 == 0 { // no size field: the OBU runs to the end
			return false
		}
		i++
		if header&0x04 != 0 { // extension header
			i++
		}
		size, n := leb128(tu[min(i, len(tu)):])
		if n == 0 {
			return false
		}
		i += n + int(size)
	}
	return false
}

// leb128 decodes an unsigned LEB128 number (AV1 specification 4.10.5); n is 0
// when b ends before the number does.
func leb128(b []byte) (v uint64, n int) {
	for i := 0; i < 8 && i < len(b); i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}
