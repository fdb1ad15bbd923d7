package forward

// redPrimary returns the primary encoding of an RFC 2198 (RED) payload: the
// last block, after the redundant ones. Browsers send Opus in RED when it is
// offered; a subscriber that did not negotiate RED gets the primary Opus
// frames alone. It reports false for a malformed payload.
func redPrimary(p []byte) ([]byte, bool) {
	i, redundant := 0, 0
	for {
		if i >= len(p) {
			return nil, false
		}
		if p[i]&0x80 == 0 { // F=0: the last header, one byte (the primary's payload type)
			i++
			break
		}
		if i+4 > len(p) {
			return nil, false
		}
		redundant += int(p[i+2]&0x03)<<8 | int(p[i+3])
		i += 4
	}
	start := i + redundant
	if start > len(p) {
		return nil, false
	}
	return p[start:], true
}
