package forward

import (
	"encoding/binary"
	"fmt"
)

// RTCP packet types and feedback formats the DownTrack reads (RFC 3550,
// RFC 4585, RFC 5104).
const (
	rtcpSenderReport   = 200
	rtcpReceiverReport = 201
	rtcpTransportFB    = 205 // FMT 1: generic NACK
	rtcpPayloadFB      = 206 // FMT 1: PLI, FMT 4: FIR

	fmtNACK = 1
	fmtPLI  = 1
	fmtFIR  = 4

	rtcpReportBlockLen = 24
	rtcpSenderInfoLen  = 20
)

// Bounds of what one compound packet of at most maxPacketSize bytes can hold
// (a NACK pair takes 4 bytes, a report block 24): the slices of rtcpFeedback
// are allocated once at these capacities and never grow.
const (
	maxNACKPairs    = maxPacketSize / 4
	maxReportBlocks = maxPacketSize / rtcpReportBlockLen
)

// nackPair is one generic NACK entry (RFC 4585 6.2.1) and the SSRC it is
// about.
type nackPair struct {
	ssrc uint32
	pid  uint16 // first lost sequence number
	blp  uint16 // bitmask of the 16 following ones
}

// reportBlock is the part of a reception report block (RFC 3550 6.4.1) the
// DownTrack uses.
type reportBlock struct {
	ssrc         uint32
	fractionLost uint8
	totalLost    uint32 // 24 bits
	jitter       uint32
	lsr          uint32
	dlsr         uint32
}

// rtcpFeedback is what one compound RTCP packet from a subscriber says that
// the DownTrack acts on. It is filled by parse, in place, without allocating,
// and reused for every packet of the track.
type rtcpFeedback struct {
	nacks   []nackPair
	plis    []uint32 // media SSRC of each PLI
	firs    int
	reports []reportBlock
}

func newRTCPFeedback() *rtcpFeedback {
	return &rtcpFeedback{
		nacks:   make([]nackPair, 0, maxNACKPairs),
		plis:    make([]uint32, 0, maxPacketSize/12),
		reports: make([]reportBlock, 0, maxReportBlocks),
	}
}

// parse reads one compound RTCP packet. It walks the packets' headers once,
// keeps NACKs, PLIs, FIRs and the report blocks of receiver and sender
// reports, and skips every other packet (TWCC feedback, REMB, SDES, BYE…,
// which Pion's interceptors read). A malformed packet anywhere refuses the
// whole compound, as rtcp.Unmarshal does; f is then left empty.
func (f *rtcpFeedback) parse(buf []byte) error {
	f.reset()
	if len(buf) == 0 {
		return fmt.Errorf("%w: empty", ErrBadRTCP)
	}
	for off := 0; off < len(buf); {
		rest := buf[off:]
		if len(rest) < 4 {
			f.reset()
			return fmt.Errorf("%w: %d bytes left at offset %d, less than a header", ErrBadRTCP, len(rest), off)
		}
		if v := rest[0] >> 6; v != 2 {
			f.reset()
			return fmt.Errorf("%w: version %d at offset %d", ErrBadRTCP, v, off)
		}
		n := (int(binary.BigEndian.Uint16(rest[2:4])) + 1) * 4
		if n > len(rest) {
			f.reset()
			return fmt.Errorf("%w: packet of %d bytes at offset %d, %d left", ErrBadRTCP, n, off, len(rest))
		}
		// Padding (the P bit) is left in body, as rtcp.Unmarshal leaves it:
		// every field read here is before it, counted by the header.
		body := rest[4:n]
		if err := f.add(rest[0]&0x1f, rest[1], body); err != nil {
			f.reset()
			return fmt.Errorf("%w at offset %d", err, off)
		}
		off += n
	}
	return nil
}

func (f *rtcpFeedback) reset() {
	f.nacks, f.plis, f.firs, f.reports = f.nacks[:0], f.plis[:0], 0, f.reports[:0]
}

// add keeps what one packet (its header's count or format field, its type,
// its body) carries.
func (f *rtcpFeedback) add(count, typ byte, body []byte) error {
	switch typ {
	case rtcpSenderReport:
		return f.addReports(count, body, 4+rtcpSenderInfoLen)
	case rtcpReceiverReport:
		return f.addReports(count, body, 4)
	case rtcpTransportFB:
		if count != fmtNACK {
			return nil
		}
		if len(body) < 8 || (len(body)-8)%4 != 0 {
			return fmt.Errorf("%w: NACK of %d bytes", ErrBadRTCP, len(body))
		}
		ssrc := binary.BigEndian.Uint32(body[4:8])
		for p := body[8:]; len(p) >= 4 && len(f.nacks) < cap(f.nacks); p = p[4:] {
			f.nacks = append(f.nacks, nackPair{ssrc: ssrc,
				pid: binary.BigEndian.Uint16(p), blp: binary.BigEndian.Uint16(p[2:])})
		}
	case rtcpPayloadFB:
		if count != fmtPLI && count != fmtFIR {
			return nil
		}
		if len(body) < 8 {
			return fmt.Errorf("%w: payload-specific feedback of %d bytes", ErrBadRTCP, len(body))
		}
		if count == fmtFIR {
			f.firs++
		} else if len(f.plis) < cap(f.plis) {
			f.plis = append(f.plis, binary.BigEndian.Uint32(body[4:8]))
		}
	}
	return nil
}

// addReports keeps the count report blocks that follow skip bytes of body.
func (f *rtcpFeedback) addReports(count byte, body []byte, skip int) error {
	if need := skip + int(count)*rtcpReportBlockLen; len(body) < need {
		return fmt.Errorf("%w: report with %d blocks in %d bytes", ErrBadRTCP, count, len(body))
	}
	p := body[skip:]
	for range count {
		if len(f.reports) == cap(f.reports) {
			break
		}
		f.reports = append(f.reports, reportBlock{
			ssrc:         binary.BigEndian.Uint32(p),
			fractionLost: p[4],
			totalLost:    uint32(p[5])<<16 | uint32(p[6])<<8 | uint32(p[7]),
			jitter:       binary.BigEndian.Uint32(p[12:]),
			lsr:          binary.BigEndian.Uint32(p[16:]),
			dlsr:         binary.BigEndian.Uint32(p[20:]),
		})
		p = p[rtcpReportBlockLen:]
	}
	return nil
}
