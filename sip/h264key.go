package sip

// H.264 NAL unit types that matter to a switch (RFC 6184, ITU-T H.264 table 7-1).
const (
	nalIDR   = 5  // a slice of an instantaneous decoder refresh picture
	nalSPS   = 7  // sequence parameter set
	nalSTAPA = 24 // single-time aggregation packet
	nalFUA   = 28 // fragmentation unit
)

// h264Keyframe reports whether an H.264 RTP payload (packetization mode 1)
// carries the start of a key frame: a sequence parameter set or an IDR slice,
// alone, in a STAP-A, or as the first fragment of an FU-A. A decoder can start
// there, so a caller can be switched to the camera there. Browsers and the Go
// client send the SPS and PPS before every IDR, which a switch to a camera of
// another size needs. A malformed payload is no key frame.
func h264Keyframe(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	switch t := b[0] & 0x1f; t {
	case nalIDR, nalSPS:
		return true
	case nalFUA:
		return len(b) >= 2 && b[1]&0x80 != 0 && isKeyNAL(b[1]&0x1f)
	case nalSTAPA:
		for rest := b[1:]; len(rest) > 0; {
			if len(rest) < 3 {
				return false
			}
			size := int(rest[0])<<8 | int(rest[1])
			if size == 0 || 2+size > len(rest) {
				return false
			}
			if isKeyNAL(rest[2] & 0x1f) {
				return true
			}
			rest = rest[2+size:]
		}
	}
	return false
}

func isKeyNAL(t byte) bool { return t == nalIDR || t == nalSPS }
