package clip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"
)

// Errors of the Ogg parser.
var (
	ErrOggCapture = errors.New("clip: ogg page does not start with OggS")
	ErrOggShort   = errors.New("clip: ogg page truncated")
	ErrNotOpus    = errors.New("clip: ogg stream is not Opus")
)

// ParseOgg reads Opus packets from an Ogg file. Pages are split into packets with
// their segment tables (a page usually holds many 20 ms packets, and each must be
// one RTP payload), the OpusHead and OpusTags headers are skipped, and each
// packet's duration comes from its TOC byte. The header's pre-skip becomes the
// clip's Skip.
func ParseOgg(data []byte) (*Clip, error) {
	packets, err := oggPackets(data)
	if err != nil {
		return nil, err
	}
	if len(packets) < 2 || len(packets[0]) < 8 || string(packets[0][:8]) != "OpusHead" {
		return nil, ErrNotOpus
	}
	c := &Clip{MimeType: webrtc.MimeTypeOpus}
	if head := packets[0]; len(head) >= 12 {
		// Counted in samples at 48 kHz, whatever the input rate (RFC 7845, 5.1).
		c.Skip = time.Duration(binary.LittleEndian.Uint16(head[10:12])) * time.Second / 48000
	}
	for _, p := range packets[1:] {
		if len(p) >= 8 && string(p[:8]) == "OpusTags" {
			continue
		}
		d := opusDuration(p)
		if d == 0 {
			continue
		}
		c.Frames = append(c.Frames, Frame{Data: p, Duration: d, Keyframe: true})
	}
	if len(c.Frames) == 0 {
		return nil, ErrEmpty
	}
	return c, nil
}

// oggPackets splits the pages of the first logical stream into packets. Packets
// that continue over pages are joined.
func oggPackets(data []byte) ([][]byte, error) {
	const headerLen = 27
	var (
		packets [][]byte
		partial []byte
		serial  uint32
		first   = true
	)
	for off := 0; off < len(data); {
		if len(data)-off < headerLen {
			return nil, fmt.Errorf("%w at byte %d", ErrOggShort, off)
		}
		h := data[off : off+headerLen]
		if string(h[:4]) != "OggS" {
			return nil, fmt.Errorf("%w at byte %d", ErrOggCapture, off)
		}
		pageSerial := binary.LittleEndian.Uint32(h[14:18])
		nseg := int(h[26])
		if len(data)-off < headerLen+nseg {
			return nil, fmt.Errorf("%w: segment table at byte %d", ErrOggShort, off)
		}
		table := data[off+headerLen : off+headerLen+nseg]
		body := off + headerLen + nseg
		size := 0
		for _, s := range table {
			size += int(s)
		}
		if len(data)-body < size {
			return nil, fmt.Errorf("%w: page body at byte %d", ErrOggShort, off)
		}
		if first {
			serial, first = pageSerial, false
		}
		if pageSerial == serial {
			pos := body
			for _, s := range table {
				partial = append(partial, data[pos:pos+int(s)]...)
				pos += int(s)
				if s < 255 { // a lacing value below 255 ends a packet
					packets = append(packets, partial)
					partial = nil
				}
			}
		}
		off = body + size
	}
	return packets, nil
}

// opusDuration is the length of an Opus packet from its TOC byte (RFC 6716 3.1);
// 0 for an empty or malformed packet.
func opusDuration(p []byte) time.Duration {
	if len(p) == 0 {
		return 0
	}
	cfg := p[0] >> 3
	var frame time.Duration
	switch {
	case cfg < 12: // SILK: 10, 20, 40, 60 ms
		frame = [...]time.Duration{10, 20, 40, 60}[cfg%4] * time.Millisecond
	case cfg < 16: // hybrid: 10, 20 ms
		frame = [...]time.Duration{10, 20}[cfg%2] * time.Millisecond
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = [...]time.Duration{2500, 5000, 10000, 20000}[cfg%4] * time.Microsecond
	}
	switch p[0] & 3 {
	case 0:
		return frame
	case 1, 2:
		return 2 * frame
	default:
		if len(p) < 2 {
			return 0
		}
		return time.Duration(p[1]&0x3f) * frame
	}
}
