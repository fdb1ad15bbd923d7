package forward

import "github.com/ensemble-sfu/ensemble/sfu/rewrite"

// IsKeyframe reports whether an RTP payload of the given codec (MIME type, as
// in webrtc.MimeTypeVP8) starts a key frame: a point where a decoder can start,
// and so where a subscriber can be switched to this stream. Audio payloads
// always qualify. Malformed payloads are not key frames.
func IsKeyframe(mimeType string, payload []byte) bool {
	return isKeyframe(codecFromMime(mimeType), payload)
}

func isKeyframe(c codecKind, payload []byte) bool {
	switch c {
	case codecOpus, codecRED:
		return true
	case codecVP8:
		d, err := rewrite.ParseVP8(payload)
		return err == nil && d.Keyframe
	case codecVP9:
		return vp9Keyframe(payload)
	case codecH264:
		return h264Keyframe(payload)
	case codecH265:
		return h265Keyframe(payload)
	case codecAV1:
		return av1Keyframe(payload)
	}
	return false
}

// H.264 NAL unit types (RFC 6184).
const (
	h264NALIDR   = 5
	h264NALSPS   = 7
	h264NALSTAPA = 24
	h264NALFUA   = 28
)

// h264Keyframe finds an IDR slice or a sequence parameter set in a single NAL
// unit, an aggregation packet (STAP-A) or the first fragment of a
// fragmentation unit (FU-A). A key frame starts with its SPS (usually in a
// STAP-A with the PPS), so switching there gives the decoder everything.
func h264Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	switch t := p[0] & 0x1f; t {
	case h264NALIDR, h264NALSPS:
		return true
	case h264NALSTAPA:
		for i := 1; i+2 < len(p); {
			size := int(p[i])<<8 | int(p[i+1])
			i += 2
			if size == 0 || i+size > len(p) {
				return false
			}
			if nt := p[i] & 0x1f; nt == h264NALIDR || nt == h264NALSPS {
				return true
			}
			i += size
		}
		return false
	case h264NALFUA:
		if len(p) < 2 {
			return false
		}
		start := p[1]&0x80 != 0
		nt := p[1] & 0x1f
		return start && (nt == h264NALIDR || nt == h264NALSPS)
	}
	return false
}

// h265Keyframe finds an IRAP picture (NAL types 16..21) or a VPS/SPS in a
// single NAL unit, an aggregation packet (48) or a first fragment (49).
func h265Keyframe(p []byte) bool {
	isKey := func(t byte) bool { return (t >= 16 && t <= 21) || t == 32 || t == 33 }
	if len(p) < 2 {
		return false
	}
	switch t := (p[0] >> 1) & 0x3f; t {
	case 48: // aggregation packet
		for i := 2; i+2 < len(p); {
			size := int(p[i])<<8 | int(p[i+1])
			i += 2
			if size < 2 || i+size > len(p) {
				return false
			}
			if isKey((p[i] >> 1) & 0x3f) {
				return true
			}
			i += size
		}
		return false
	case 49: // fragmentation unit
		return len(p) >= 3 && p[2]&0x80 != 0 && isKey(p[2]&0x3f)
	default:
		return isKey(t)
	}
}

// vp9Keyframe reads the VP9 payload descriptor (RFC 9628): a key frame is the
// start of a frame (B) that is not inter-predicted (P=0) in the base spatial
// layer (SID 0, when layer indices are present).
func vp9Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	b := p[0]
	interPredicted := b&0x40 != 0
	startOfFrame := b&0x08 != 0
	if interPredicted || !startOfFrame {
		return false
	}
	i := 1
	if b&0x80 != 0 { // I: picture ID, 7 or 15 bits
		if len(p) <= i {
			return false
		}
		if p[i]&0x80 != 0 {
			i += 2
		} else {
			i++
		}
	}
	if b&0x20 != 0 { // L: layer indices
		if len(p) <= i {
			return false
		}
		if sid := (p[i] >> 1) & 0x07; sid != 0 {
			return false
		}
	}
	return true
}

// av1Keyframe reads the AV1 aggregation header (AV1 RTP specification,
// section 4.4): N marks the first packet of a coded video sequence, which
// starts with a key frame. As a fallback, a packet whose first OBU is a
// sequence header also counts (some senders do not set N).
func av1Keyframe(p []byte) bool {
	if len(p) < 2 {
		return false
	}
	agg := p[0]
	if agg&0x08 != 0 { // N
		return true
	}
	if agg&0x80 != 0 { // Z: first OBU continues a previous packet's
		return false
	}
	i := 1
	if agg&0x30 == 0 { // W=0: each OBU is preceded by its LEB128 length
		for ; i < len(p) && p[i]&0x80 != 0; i++ {
		}
		i++
	}
	if i >= len(p) {
		return false
	}
	obuType := (p[i] >> 3) & 0x0f
	return obuType == 1 // OBU_SEQUENCE_HEADER
}
