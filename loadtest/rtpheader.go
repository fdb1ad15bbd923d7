package loadtest

import (
	"encoding/binary"
	"errors"
)

// Errors of parseRTPHeader. They are values, not formatted per packet: the light
// subscriber's read path must not allocate.
var (
	errRTPShort     = errors.New("rtp header: shorter than 12 bytes")
	errRTPVersion   = errors.New("rtp header: version is not 2")
	errRTPCSRC      = errors.New("rtp header: CSRC list runs past the datagram")
	errRTPExtension = errors.New("rtp header: header extension runs past the datagram")
	errRTPElement   = errors.New("rtp header: extension element runs past the extension block")
)

// RTP header extension profiles (RFC 8285): one-byte elements, and two-byte ones
// (0x100 followed by four application bits).
const (
	extProfileOneByte     = 0xBEDE
	extProfileTwoByteMask = 0xFFF0
	extProfileTwoByte     = 0x1000
)

// rtpHeader is what the light subscriber reads of an SRTP packet: the fixed header
// and two header extensions, all sent in the clear (RFC 3711 encrypts only the
// payload). Filled in place by parseRTPHeader.
type rtpHeader struct {
	ssrc      uint32
	timestamp uint32
	seq       uint16
	marker    bool
	padding   bool
	// headerLen is where the (encrypted) payload begins.
	headerLen int

	twccSeq uint16 // transport-wide sequence number, when hasTWCC
	hasTWCC bool
	// captureNTP is the abs-capture-time extension's 64-bit NTP timestamp
	// (32.32 fixed point), when hasCapture.
	captureNTP uint64
	hasCapture bool
}

// parseRTPHeader reads the RTP header at the start of b, and of its header
// extensions the elements with ids twccID (transport-wide sequence number) and
// captureID (abs-capture-time); an id of 0 is not looked for. It accepts what
// Pion's rtp.Header.Unmarshal accepts for version-2 packets (a one-byte element
// of id 15 ends the list, zero bytes between elements are padding, an unknown
// profile is skipped whole), and allocates nothing.
func parseRTPHeader(b []byte, twccID, captureID uint8, h *rtpHeader) error {
	*h = rtpHeader{}
	if len(b) < 12 {
		return errRTPShort
	}
	if b[0]>>6 != 2 {
		return errRTPVersion
	}
	h.padding = b[0]&0x20 != 0
	h.marker = b[1]&0x80 != 0
	h.seq = binary.BigEndian.Uint16(b[2:4])
	h.timestamp = binary.BigEndian.Uint32(b[4:8])
	h.ssrc = binary.BigEndian.Uint32(b[8:12])
	n := 12 + int(b[0]&0x0f)*4
	if len(b) < n {
		return errRTPCSRC
	}
	h.headerLen = n
	if b[0]&0x10 == 0 {
		return nil
	}
	if len(b) < n+4 {
		return errRTPExtension
	}
	profile := binary.BigEndian.Uint16(b[n:])
	end := n + 4 + int(binary.BigEndian.Uint16(b[n+2:]))*4
	if len(b) < end {
		return errRTPExtension
	}
	h.headerLen = end
	switch {
	case profile == extProfileOneByte:
		return h.readElements(b[n+4:end], false, twccID, captureID)
	case profile&extProfileTwoByteMask == extProfileTwoByte:
		return h.readElements(b[n+4:end], true, twccID, captureID)
	}
	// A profile of RFC 3550's own holds nothing of ours; nor does RFC 9335's
	// (0xC0DE, 0xC2DE: the elements are encrypted), which light subscribers
	// decline to negotiate.
	return nil
}

// readElements walks the elements of one extension block. Of each id looked for
// only the first element counts (it is what rtp.Header.GetExtension returns), and
// only when it is long enough for its value.
func (h *rtpHeader) readElements(ext []byte, twoByte bool, twccID, captureID uint8) error {
	var sawTWCC, sawCapture bool
	for i := 0; i < len(ext); {
		if ext[i] == 0 { // padding between elements
			i++
			continue
		}
		var id uint8
		var size int
		if twoByte {
			if i+2 > len(ext) {
				return errRTPElement
			}
			id, size = ext[i], int(ext[i+1])
			i += 2
		} else {
			id, size = ext[i]>>4, int(ext[i]&0x0f)+1
			i++
			if id == 15 || id == 0 { // reserved, or padding with a length: stop reading
				return nil
			}
		}
		if i+size > len(ext) {
			return errRTPElement
		}
		data := ext[i : i+size]
		i += size
		switch {
		case id == twccID && !sawTWCC:
			sawTWCC = true
			if size >= 2 {
				h.twccSeq, h.hasTWCC = binary.BigEndian.Uint16(data), true
			}
		case id == captureID && !sawCapture:
			sawCapture = true
			if size >= 8 {
				h.captureNTP, h.hasCapture = binary.BigEndian.Uint64(data), true
			}
		}
	}
	return nil
}

// isSRTPMedia says whether a datagram received on a subscriber's socket is SRTP
// media rather than STUN (first byte 0-3), DTLS (20-63), TURN channel data
// (64-79) or SRTCP (RFC 7983's demultiplexing: first byte 128-191, then RFC
// 5761's: RTCP packet types 192-223 in the second byte, where RTP has its
// marker bit and payload type).
func isSRTPMedia(b []byte) bool {
	return len(b) >= 12 && b[0] >= 128 && b[0] <= 191 && (b[1] < 192 || b[1] > 223)
}
