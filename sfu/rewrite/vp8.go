package rewrite

// VP8Descriptor is the parsed VP8 payload descriptor (RFC 7741, section 4.2)
// at the start of a VP8 RTP payload.
type VP8Descriptor struct {
	NonReference   bool  // N bit
	StartOfPart    bool  // S bit: first packet of a partition
	PartitionID    uint8 // PID
	HasPictureID   bool
	PictureID      uint16 // 7 or 15 bits
	WidePictureID  bool   // M bit: PictureID has 15 bits
	HasTL0PICIDX   bool
	TL0PICIDX      uint8
	HasTID         bool
	TID            uint8
	LayerSync      bool // Y bit
	HasKeyIdx      bool
	KeyIdx         uint8
	Size           int  // length of the descriptor in bytes
	Keyframe       bool // first packet of a key frame (S=1, PID=0, P=0 in the VP8 header)
	HasFrameHeader bool // the VP8 payload header follows (S=1, PID=0)
}

// ParseVP8 parses the payload descriptor at the start of payload.
func ParseVP8(payload []byte) (VP8Descriptor, error) {
	var d VP8Descriptor
	if len(payload) < 1 {
		return d, ErrVP8TooShort
	}
	b := payload[0]
	d.NonReference = b&0x20 != 0
	d.StartOfPart = b&0x10 != 0
	d.PartitionID = b & 0x0f
	i := 1
	if b&0x80 != 0 { // X: extension byte follows
		if len(payload) < 2 {
			return d, ErrVP8TooShort
		}
		x := payload[1]
		i = 2
		if x&0x80 != 0 { // I: picture ID
			var ok bool
			if d.PictureID, d.WidePictureID, i, ok = readPictureID(payload, i); !ok {
				return d, ErrVP8TooShort
			}
			d.HasPictureID = true
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			if len(payload) < i+1 {
				return d, ErrVP8TooShort
			}
			d.HasTL0PICIDX = true
			d.TL0PICIDX = payload[i]
			i++
		}
		if x&0x30 != 0 { // T or K: TID/Y/KEYIDX byte
			if len(payload) < i+1 {
				return d, ErrVP8TooShort
			}
			t := payload[i]
			if x&0x20 != 0 {
				d.HasTID = true
				d.TID = t >> 6
				d.LayerSync = t&0x20 != 0
			}
			if x&0x10 != 0 {
				d.HasKeyIdx = true
				d.KeyIdx = t & 0x1f
			}
			i++
		}
	}
	d.Size = i
	if d.StartOfPart && d.PartitionID == 0 && len(payload) > i {
		d.HasFrameHeader = true
		// VP8 payload header: the P bit (bit 0 of the first byte) is 0 on
		// key frames (RFC 7741, section 4.3).
		d.Keyframe = payload[i]&0x01 == 0
	}
	return d, nil
}

// WriteVP8 writes into dst the payload src with its descriptor d rewritten to
// carry pictureID (always as 15 bits when src has a picture ID) and tl0picidx.
// It returns the length of the new payload.
func WriteVP8(dst, src []byte, d *VP8Descriptor, pictureID uint16, tl0picidx uint8) (int, error) {
	if d.Size > len(src) {
		return 0, ErrVP8TooShort
	}
	size := d.Size
	if d.HasPictureID && !d.WidePictureID {
		size++ // the 7-bit picture ID becomes a 15-bit one
	}
	rest := src[d.Size:]
	if size+len(rest) > len(dst) {
		return 0, ErrBufferTooSmall
	}
	dst[0] = src[0]
	i := 1
	if src[0]&0x80 != 0 {
		dst[1] = src[1]
		i = 2
		if d.HasPictureID {
			dst[i] = 0x80 | byte(pictureID>>8)&0x7f
			dst[i+1] = byte(pictureID)
			i += 2
		}
		if d.HasTL0PICIDX {
			dst[i] = tl0picidx
			i++
		}
		if d.HasTID || d.HasKeyIdx {
			dst[i] = src[d.Size-1]
			i++
		}
	}
	return i + copy(dst[i:], rest), nil
}

// VP8 keeps the picture ID and TL0PICIDX of an outgoing VP8 stream continuous
// across source switches. Picture IDs are always produced with 15 bits, so a
// source sending 7-bit IDs is widened.
type VP8 struct {
	started bool
	rebase  bool

	srcWide     bool  // width of the current source's picture IDs
	srcLastPic  int64 // unwrapped picture ID of the newest source frame
	srcLastRaw  uint16
	picOffset   int64 // output = unwrapped source + offset (mod 2^15)
	lastOutPic  uint16
	tl0Offset   uint8
	lastOutTL0  uint8
	haveTL0     bool
	havePicture bool
}

// Rebase makes the next packet start a new run: its picture ID follows the
// last one sent and its TL0PICIDX the last TL0PICIDX sent. The next packet
// must begin a frame (a key frame, when switching).
func (v *VP8) Rebase() { v.rebase = true }

// Rewrite returns the output picture ID and TL0PICIDX for a packet with
// descriptor d. Values for fields d lacks are returned as zero and should not
// be written.
func (v *VP8) Rewrite(d *VP8Descriptor) (pictureID uint16, tl0picidx uint8) {
	newRun := !v.started || v.rebase
	v.started, v.rebase = true, false
	if d.HasPictureID {
		pictureID = v.rewritePicture(d, newRun)
	}
	if d.HasTL0PICIDX {
		if newRun || !v.haveTL0 {
			next := d.TL0PICIDX
			if v.haveTL0 {
				next = v.lastOutTL0 + 1
			}
			v.tl0Offset = next - d.TL0PICIDX
			v.haveTL0 = true
			v.lastOutTL0 = next
		}
		tl0picidx = d.TL0PICIDX + v.tl0Offset
		if int8(tl0picidx-v.lastOutTL0) > 0 {
			v.lastOutTL0 = tl0picidx
		}
	}
	return pictureID, tl0picidx
}

func (v *VP8) rewritePicture(d *VP8Descriptor, newRun bool) uint16 {
	if newRun || !v.havePicture || d.WidePictureID != v.srcWide {
		next := int64(d.PictureID)
		if v.havePicture {
			next = int64(v.lastOutPic) + 1
		}
		v.srcWide = d.WidePictureID
		v.srcLastPic = 0
		v.srcLastRaw = d.PictureID
		v.picOffset = next
		v.havePicture = true
		v.lastOutPic = uint16(next & 0x7fff)
		return v.lastOutPic
	}
	var delta int64
	if v.srcWide {
		delta = int64((d.PictureID - v.srcLastRaw) & 0x7fff)
		if delta >= 1<<14 {
			delta -= 1 << 15
		}
	} else {
		delta = int64((d.PictureID - v.srcLastRaw) & 0x7f)
		if delta >= 1<<6 {
			delta -= 1 << 7
		}
	}
	ext := v.srcLastPic + delta
	out := uint16((ext + v.picOffset) & 0x7fff)
	if delta > 0 {
		v.srcLastPic = ext
		v.srcLastRaw = d.PictureID
		v.lastOutPic = out
	}
	return out
}

// Drop accounts for a source frame that is not forwarded (a temporal layer
// above the subscriber's): the picture IDs of the frames that follow close
// up, so the receiver sees no missing picture. TL0PICIDX needs no change, as
// base-layer frames are never dropped.
func (v *VP8) Drop(d *VP8Descriptor) {
	if !d.HasPictureID || !v.havePicture || v.rebase || d.WidePictureID != v.srcWide {
		return
	}
	var delta int64
	if v.srcWide {
		delta = int64((d.PictureID - v.srcLastRaw) & 0x7fff)
		if delta >= 1<<14 {
			delta -= 1 << 15
		}
	} else {
		delta = int64((d.PictureID - v.srcLastRaw) & 0x7f)
		if delta >= 1<<6 {
			delta -= 1 << 7
		}
	}
	if delta <= 0 {
		return // a packet of a frame already dropped (or older)
	}
	v.srcLastPic += delta
	v.srcLastRaw = d.PictureID
	v.picOffset--
}
