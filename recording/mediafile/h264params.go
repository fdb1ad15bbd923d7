package mediafile

// H.264 NAL unit types (ITU-T H.264 table 7-1) a recording start depends on.
const (
	h264IDR = 5
	h264SPS = 7
	h264PPS = 8
)

// H264ParameterSets remembers the newest sequence and picture parameter sets
// of one H.264 stream, so that a file can begin at any IDR frame.
//
// A decoder cannot read a slice before the SPS and PPS it refers to. Senders
// put them in front of each IDR frame, but in their own RTP packet (a STAP-A):
// when that one packet is missing where a recording begins (lost, or late
// behind the frame's start), the IDR frame that follows looks like a key frame
// and yet a file started there does not decode ("non-existing PPS 0
// referenced") until the next one, seconds later. The recorder therefore takes
// an IDR frame as a start only with both parameter sets, its own or those seen
// earlier in the stream, which are then written in front of it.
//
// The zero value is ready; it is owned by the track's goroutine.
type H264ParameterSets struct {
	sps, pps []byte
}

// StartFrame looks at one Annex-B access unit of the stream, remembers the
// parameter sets it carries, and reports whether a file may begin with it:
// it holds an IDR slice and both parameter sets are known. frame is the access
// unit to write: au itself, unless it is a start without its own SPS or PPS,
// when it is a copy with the remembered ones in front.
func (p *H264ParameterSets) StartFrame(au []byte) (frame []byte, ok bool) {
	var idr, sps, pps bool
	forEachNAL(au, func(nal []byte) {
		switch nal[0] & 0x1f {
		case h264IDR:
			idr = true
		case h264SPS:
			sps = true
			p.sps = append(p.sps[:0], nal...)
		case h264PPS:
			pps = true
			p.pps = append(p.pps[:0], nal...)
		}
	})
	switch {
	case !idr || p.sps == nil || p.pps == nil:
		return au, false
	case sps && pps:
		return au, true
	}
	startCode := []byte{0, 0, 0, 1}
	out := make([]byte, 0, 2*len(startCode)+len(p.sps)+len(p.pps)+len(au))
	if !sps {
		out = append(append(out, startCode...), p.sps...)
	}
	if !pps {
		out = append(append(out, startCode...), p.pps...)
	}
	return append(out, au...), true
}

// forEachNAL calls fn with each non-empty NAL unit of an Annex-B byte stream
// (start codes 00 00 01 or 00 00 00 01), without the start code.
func forEachNAL(au []byte, fn func(nal []byte)) {
	start := -1
	for i := 0; i+2 < len(au); i++ {
		if au[i] != 0 || au[i+1] != 0 || au[i+2] != 1 {
			continue
		}
		if start >= 0 {
			end := i
			if end > start && au[end-1] == 0 { // the 4-byte start code's leading zero
				end--
			}
			if end > start {
				fn(au[start:end])
			}
		}
		start = i + 3
		i += 2
	}
	if start >= 0 && start < len(au) {
		fn(au[start:])
	}
}
