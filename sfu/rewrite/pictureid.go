package rewrite

// readPictureID reads the picture ID that VP8 and VP9 payload descriptors both
// carry at payload[i]: 7 bits, or 15 when the first byte's M bit is set. It
// returns the index after the field; ok is false when payload ends inside it.
func readPictureID(payload []byte, i int) (id uint16, wide bool, next int, ok bool) {
	if len(payload) < i+1 {
		return 0, false, i, false
	}
	if payload[i]&0x80 == 0 {
		return uint16(payload[i]), false, i + 1, true
	}
	if len(payload) < i+2 {
		return 0, false, i, false
	}
	return uint16(payload[i]&0x7f)<<8 | uint16(payload[i+1]), true, i + 2, true
}
