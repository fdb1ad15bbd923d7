package rewrite

// VP9Descriptor is the parsed VP9 RTP payload descriptor (RFC 9628, section
// 4.2) at the start of a VP9 RTP payload.
type VP9Descriptor struct {
	HasPictureID   bool   // I bit
	InterPredicted bool   // P bit
	HasLayers      bool   // L bit: layer indices present
	Flexible       bool   // F bit: flexible mode (P_DIFFs instead of TL0PICIDX)
	StartOfFrame   bool   // B bit: first packet of a layer frame
	EndOfFrame     bool   // E bit
	HasSS          bool   // V bit: scalability structure present
	NotRefForUpper bool   // Z bit
	PictureID      uint16 // 7 or 15 bits
	WidePictureID  bool   // M bit
	TID            uint8
	SwitchUp       bool // U bit: switching up point
	SID            uint8
	InterLayerDep  bool // D bit
	HasTL0PICIDX   bool // non-flexible mode with layer indices
	TL0PICIDX      uint8
	NumRefs        int // P_DIFFs in flexible mode
	// pidEnd is the offset just past the picture ID (where the layer
	// indices start); Size is the length of the whole descriptor.
	pidEnd int
	Size   int
}

// Keyframe reports whether the packet starts a key frame: the start of a
// frame of the base spatial layer that is not inter-predicted.
func (d *VP9Descriptor) Keyframe() bool {
	return d.StartOfFrame && !d.InterPredicted && d.SID == 0
}

// ParseVP9 parses the payload descriptor at the start of payload, including
// (to find its end) the scalability structure of key frames.
func ParseVP9(payload []byte) (VP9Descriptor, error) {
	var d VP9Descriptor
	if len(payload) < 1 {
		return d, ErrVP9TooShort
	}
	b := payload[0]
	d.HasPictureID = b&0x80 != 0
	d.InterPredicted = b&0x40 != 0
	d.HasLayers = b&0x20 != 0
	d.Flexible = b&0x10 != 0
	d.StartOfFrame = b&0x08 != 0
	d.EndOfFrame = b&0x04 != 0
	d.HasSS = b&0x02 != 0
	d.NotRefForUpper = b&0x01 != 0
	i := 1
	if d.HasPictureID {
		var ok bool
		if d.PictureID, d.WidePictureID, i, ok = readPictureID(payload, i); !ok {
			return d, ErrVP9TooShort
		}
	}
	d.pidEnd = i
	if d.HasLayers {
		if len(payload) < i+1 {
			return d, ErrVP9TooShort
		}
		l := payload[i]
		d.TID = l >> 5
		d.SwitchUp = l&0x10 != 0
		d.SID = (l >> 1) & 0x07
		d.InterLayerDep = l&0x01 != 0
		i++
		if !d.Flexible {
			if len(payload) < i+1 {
				return d, ErrVP9TooShort
			}
			d.HasTL0PICIDX = true
			d.TL0PICIDX = payload[i]
			i++
		}
	}
	if d.Flexible && d.InterPredicted {
		// Up to three P_DIFF bytes, each with N set when another follows.
		for {
			if len(payload) < i+1 {
				return d, ErrVP9TooShort
			}
			more := payload[i]&0x01 != 0
			i++
			d.NumRefs++
			if !more {
				break
			}
			if d.NumRefs == 3 {
				return d, ErrVP9Malformed
			}
		}
	}
	if d.HasSS {
		n, err := vp9SSSize(payload[i:])
		if err != nil {
			return d, err
		}
		i += n
	}
	d.Size = i
	return d, nil
}

// vp9SSSize returns the length of the scalability structure at the start of p
// (RFC 9628, section 4.2.1).
func vp9SSSize(p []byte) (int, error) {
	if len(p) < 1 {
		return 0, ErrVP9TooShort
	}
	h := p[0]
	ns := int(h>>5) + 1
	i := 1
	if h&0x10 != 0 { // Y: a width and height per spatial layer
		i += 4 * ns
	}
	if h&0x08 != 0 { // G: picture group description
		if len(p) < i+1 {
			return 0, ErrVP9TooShort
		}
		ng := int(p[i])
		i++
		for range ng {
			if len(p) < i+1 {
				return 0, ErrVP9TooShort
			}
			r := int(p[i]>>2) & 0x03 // number of P_DIFFs of this picture
			i += 1 + r
		}
	}
	if len(p) < i {
		return 0, ErrVP9TooShort
	}
	return i, nil
}

// WriteVP9 writes into dst the payload src with its descriptor d rewritten to
// carry pictureID (always as 15 bits when src has a picture ID) and tl0picidx
// (when d has one). It returns the length of the new payload.
func WriteVP9(dst, src []byte, d *VP9Descriptor, pictureID uint16, tl0picidx uint8) (int, error) {
	if d.Size > len(src) || d.pidEnd > d.Size || d.Size == 0 {
		return 0, ErrVP9TooShort
	}
	size := len(src)
	if d.HasPictureID && !d.WidePictureID {
		size++ // the 7-bit picture ID becomes a 15-bit one
	}
	if size > len(dst) {
		return 0, ErrBufferTooSmall
	}
	dst[0] = src[0]
	i := 1
	if d.HasPictureID {
		dst[1] = 0x80 | byte(pictureID>>8)&0x7f
		dst[2] = byte(pictureID)
		i = 3
	}
	tl0At := -1
	if d.HasTL0PICIDX {
		tl0At = i + 1 // right after the layer indices byte
	}
	n := i + copy(dst[i:], src[d.pidEnd:])
	if tl0At >= 0 {
		dst[tl0At] = tl0picidx
	}
	return n, nil
}

// VP9 keeps the picture ID and TL0PICIDX of an outgoing VP9 stream continuous
// across source switches. The numbering rules are those of VP8 (same field
// widths), so it shares VP8's state machine.
//
// Unlike VP8, picture IDs are not closed up when a temporal layer is dropped:
// VP9 references are picture ID differences (the P_DIFFs of flexible mode,
// and the scalability structure's picture group in non-flexible mode, where
// the receiver also finds a picture's place in the group from its ID), so
// renumbering would point the remaining frames at the wrong references.
// Receivers take the gaps as missing pictures of the dropped layer, on which
// no forwarded frame depends.
type VP9 struct{ v VP8 }

// Rebase makes the next packet start a new run (see VP8.Rebase).
func (v *VP9) Rebase() { v.v.Rebase() }

// Rewrite returns the output picture ID and TL0PICIDX for a packet with
// descriptor d; values for fields d lacks are zero and not to be written.
func (v *VP9) Rewrite(d *VP9Descriptor) (pictureID uint16, tl0picidx uint8) {
	vd := d.asVP8()
	return v.v.Rewrite(&vd)
}

func (d *VP9Descriptor) asVP8() VP8Descriptor {
	return VP8Descriptor{HasPictureID: d.HasPictureID, PictureID: d.PictureID, WidePictureID: d.WidePictureID,
		HasTL0PICIDX: d.HasTL0PICIDX, TL0PICIDX: d.TL0PICIDX}
}
